using Grpc.Core;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Pricing.Client;
using Pricing.Contracts.V1;

namespace Dashboard.Pages;

/// <summary>
/// The quote form (GET, so a quote is a link) and its result: ranked options, the plan of the best one, cost against
/// time, assumptions. The form's fields are <see cref="TrainingRunFields"/>, the list the CLI's flags are made from,
/// under the same names (<c>?params=70B&amp;tokens=1.4T&amp;accelerators=1024</c>); the plan is <see cref="PlanLines"/>.
/// </summary>
public sealed class QuoteModel(PricingBackend backend) : PageModel
{
    /// <summary>The form field of how many options to show (the CLI's <c>--top</c>).</summary>
    public const string TopField = "top";

    public const int DefaultTop = 20;

    /// <summary>What the form shows before anything is submitted.</summary>
    private static readonly Dictionary<string, string> Defaults = new(StringComparer.Ordinal)
    {
        [TrainingRunFields.Params.Name] = "70e9",
        [TrainingRunFields.Tokens.Name] = "1.4e12",
        ["accelerators"] = "1024",
    };

    /// <summary>Field name → choices read from the catalogs (accelerators, pricing models) for list fields without fixed ones.</summary>
    public Dictionary<string, IReadOnlyList<string>> CatalogChoices { get; } = new(StringComparer.Ordinal);

    public bool Submitted => Request.Query.ContainsKey(TrainingRunFields.Params.Name) || Request.Query.ContainsKey(TrainingRunFields.Tokens.Name);

    public List<(string Field, string Message)> Errors { get; } = [];

    public TrainingQuote? Result { get; private set; }

    /// <summary>The choices of a list field: fixed ones, else the catalog's.</summary>
    public IReadOnlyList<string> ChoicesOf(TrainingRunField field) =>
        field.Choices.Count > 0 ? field.Choices : CatalogChoices.GetValueOrDefault(field.Name) ?? [];

    /// <summary>What the form shows in a field: as submitted, else its default before a first submit.</summary>
    public string ValueOf(string name) =>
        Request.Query.TryGetValue(name, out var values) ? string.Join(",", values.Where(v => !string.IsNullOrWhiteSpace(v))) : Submitted ? "" : Defaults.GetValueOrDefault(name, "");

    /// <summary>Whether a list field's choice or a switch is ticked.</summary>
    public bool IsTicked(TrainingRunField field, string choice) =>
        field.Kind == TrainingRunFieldKind.Switch
            ? Request.Query.ContainsKey(field.Name)
            : Request.Query[field.Name].SelectMany(v => TrainingRunFields.Items(v ?? "")).Contains(choice, StringComparer.Ordinal);

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var offers = (await backend.GetOffersAsync(null, cancellationToken)).SelectMany(p => p.Offers).ToList();
        // CPU offers price the program's data processing; they are never an accelerator to train on.
        CatalogChoices["accelerator"] = [.. offers.Select(o => o.AcceleratorId).Where(id => !Pricing.Catalog.AcceleratorRegistry.Default.IsCpu(id))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        CatalogChoices["pricing"] = [.. offers.Select(o => o.PricingModel).Distinct(StringComparer.Ordinal).OrderBy(IndexModel.ModelRank).ThenBy(m => m, StringComparer.Ordinal)];
        if (!Submitted)
        {
            return;
        }

        var request = BuildRequest();
        if (Errors.Count > 0)
        {
            return;
        }

        Result = await BackendErrors.CallAsync(() => backend.QuoteAsync(request, cancellationToken), Errors);
    }

    /// <summary>The request as the form gives it, each field read by <see cref="TrainingRunField.Apply"/> as the CLI reads its flag.</summary>
    private QuoteTrainingRunRequest BuildRequest()
    {
        // The page shows every detail: the assumptions and the whole plan of option #1.
        var request = new QuoteTrainingRunRequest { MaxOptions = DefaultTop, View = QuoteView.Full };
        TrainingRunForm.Read(Request.Query, TrainingRunFields.All, request, Errors);

        if (Request.Query[TopField].LastOrDefault(v => !string.IsNullOrWhiteSpace(v)) is { } top)
        {
            if (NumberText.TryParseCount(top, out var count))
            {
                request.MaxOptions = count;
            }
            else
            {
                Errors.Add((TopField, $"'{NumberText.Echo(top)}' is not a whole number."));
            }
        }

        if (Errors.Count == 0 && TrainingRunFields.Missing(request) is { } missing)
        {
            Errors.Add(("", missing));
        }

        return request;
    }
}
