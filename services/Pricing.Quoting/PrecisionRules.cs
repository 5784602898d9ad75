using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>
/// The precision rule of a quote request (docs/quote-model.md §11, part of <see cref="QuoteRequestRules.Check"/>): an
/// accelerator the request names must have the tensor cores of a narrow precision it asks for (FP8: Hopper, Ada and
/// later; FP4: Blackwell), which the registry says with a dense peak in it. Left unnamed, such accelerators are skipped
/// with a warning instead: the request did not ask for them. BF16 is not checked: a missing BF16 peak is unpublished,
/// not missing hardware.
/// </summary>
internal static class PrecisionRules
{
    public static void Check(QuoteSpec r, AcceleratorRegistry registry, List<FieldViolation> v)
    {
        if (r.Precision == Precision.Bf16 || r.AcceleratorIds.Count > QuoteRequestRules.MaxListItems)
        {
            return;
        }

        var lacking = r.AcceleratorIds.Distinct(StringComparer.Ordinal)
            .Where(id => registry.TryGet(id, out var accelerator) && !accelerator.IsCpu && accelerator.PeakFlops(r.Precision) is null)
            .ToList();
        if (lacking.Count == 0)
        {
            return;
        }

        var name = r.Precision.ToString().ToUpperInvariant();
        var shown = string.Join(", ", lacking.Take(QuoteRequestRules.MaxViolationsPerField));
        var more = lacking.Count > QuoteRequestRules.MaxViolationsPerField ? $" and {lacking.Count - QuoteRequestRules.MaxViolationsPerField} more" : "";
        var needs = r.Precision == Precision.Fp4 ? "FP4 tensor cores (NVIDIA Blackwell)" : "FP8 tensor cores";
        v.Add(new("precision", $"{name} needs {needs}; {shown}{more} {(lacking.Count == 1 ? "has" : "have")} none (no dense {name} peak in the accelerator registry). Ask for bf16{(r.Precision == Precision.Fp4 ? " or fp8" : "")}, or other accelerators."));
    }
}
