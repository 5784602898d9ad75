using System.Globalization;
using Google.Rpc;
using Grpc.Core;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Pricing.Contracts.V1;

namespace Dashboard.Pages;

/// <summary>The quote form (GET, so a quote is a link) and its result: ranked options, cost against time, assumptions.</summary>
public sealed class QuoteModel(PricingBackend backend) : PageModel
{
    public static readonly IReadOnlyList<string> Clouds = ["aws", "gcp", "azure"];

    [BindProperty(SupportsGet = true, Name = "params")] public string? Parameters { get; set; }
    [BindProperty(SupportsGet = true, Name = "active")] public string? ActiveParameters { get; set; }
    [BindProperty(SupportsGet = true, Name = "tokens")] public string? Tokens { get; set; }
    [BindProperty(SupportsGet = true, Name = "precision")] public string? Precision { get; set; }
    [BindProperty(SupportsGet = true, Name = "accelerator")] public string? Accelerator { get; set; }
    [BindProperty(SupportsGet = true, Name = "cluster")] public string? Cluster { get; set; }
    [BindProperty(SupportsGet = true, Name = "deadline")] public string? Deadline { get; set; }
    [BindProperty(SupportsGet = true, Name = "mfu")] public string? Mfu { get; set; }
    [BindProperty(SupportsGet = true, Name = "cloud")] public List<string> SelectedClouds { get; set; } = [];
    [BindProperty(SupportsGet = true, Name = "pricing")] public List<string> SelectedModels { get; set; } = [];
    [BindProperty(SupportsGet = true, Name = "top")] public string? Top { get; set; }

    public IReadOnlyList<string> Accelerators { get; private set; } = [];

    public IReadOnlyList<string> PricingModels { get; private set; } = [];

    public bool Submitted => Parameters is not null || Tokens is not null;

    public List<(string Field, string Message)> Errors { get; } = [];

    public TrainingQuote? Result { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var offers = (await backend.GetOffersAsync(null, cancellationToken)).SelectMany(p => p.Offers).ToList();
        Accelerators = [.. offers.Select(o => o.AcceleratorId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        PricingModels = [.. offers.Select(o => o.PricingModel).Distinct(StringComparer.Ordinal).OrderBy(IndexModel.ModelRank).ThenBy(m => m, StringComparer.Ordinal)];
        if (!Submitted)
        {
            Parameters = "70e9";
            Tokens = "1.4e12";
            Cluster = "1024";
            return;
        }

        var request = BuildRequest();
        if (Errors.Count > 0)
        {
            return;
        }

        try
        {
            Result = await backend.QuoteAsync(request, cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode == Grpc.Core.StatusCode.InvalidArgument)
        {
            var badRequest = ex.GetRpcStatus()?.GetDetail<BadRequest>();
            if (badRequest is null || badRequest.FieldViolations.Count == 0)
            {
                Errors.Add(("", ex.Status.Detail));
            }
            else
            {
                Errors.AddRange(badRequest.FieldViolations.Select(v => (v.Field, v.Description)));
            }
        }
        catch (RpcException ex)
        {
            Errors.Add(("", $"Quotes answered {ex.StatusCode}: {ex.Status.Detail}"));
        }
    }

    private QuoteTrainingRunRequest BuildRequest()
    {
        var request = new QuoteTrainingRunRequest
        {
            Parameters = Number("params", Parameters, required: true) ?? 0,
            ActiveParameters = Number("active", ActiveParameters, required: false) ?? 0,
            Tokens = Number("tokens", Tokens, required: true) ?? 0,
            Precision = string.IsNullOrWhiteSpace(Precision) ? "" : Precision.Trim(),
            AcceleratorCount = (int)(Number("cluster", Cluster, required: false) ?? 0),
            DeadlineHours = Number("deadline", Deadline, required: false) ?? 0,
            Mfu = Number("mfu", Mfu, required: false) ?? 0,
            MaxOptions = (int)(Number("top", Top, required: false) ?? 20),
        };
        if (!string.IsNullOrWhiteSpace(Accelerator))
        {
            request.AcceleratorIds.Add(Accelerator.Trim());
        }

        request.Clouds.AddRange(SelectedClouds.Where(c => !string.IsNullOrWhiteSpace(c)));
        request.PricingModels.AddRange(SelectedModels.Where(m => !string.IsNullOrWhiteSpace(m)));
        if (request.AcceleratorCount > 0 && request.DeadlineHours > 0)
        {
            Errors.Add(("cluster", "Give a cluster size or a deadline, not both."));
        }

        return request;
    }

    /// <summary>Plain or scientific numbers, or with a k/M/B/T suffix ("70B", "1.4T").</summary>
    private double? Number(string field, string? text, bool required)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            if (required)
            {
                Errors.Add((field, "Required."));
            }

            return null;
        }

        var value = ParseScaled(text);
        if (value is null || value < 0 || double.IsNaN(value.Value) || double.IsInfinity(value.Value))
        {
            Errors.Add((field, $"\"{text}\" is not a non-negative number (70e9, 70B and 1.4T all work)."));
            return null;
        }

        return value;
    }

    public static double? ParseScaled(string text)
    {
        var t = text.Trim().Replace("_", "", StringComparison.Ordinal).Replace(",", "", StringComparison.Ordinal);
        var scale = 1.0;
        if (t.Length > 1 && char.IsLetter(t[^1]) && t[^1] is not ('e' or 'E'))
        {
            scale = char.ToUpperInvariant(t[^1]) switch
            {
                'K' => 1e3,
                'M' => 1e6,
                'B' or 'G' => 1e9,
                'T' => 1e12,
                'P' => 1e15,
                _ => double.NaN,
            };
            t = t[..^1];
        }

        return !double.IsNaN(scale) && double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value * scale : null;
    }
}
