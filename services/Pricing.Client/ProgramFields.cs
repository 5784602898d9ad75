using Pricing.Contracts;
using Pricing.Contracts.V1;
using static Pricing.Client.TrainingRunFieldKind;

namespace Pricing.Client;

/// <summary>
/// The program's request fields (docs/quote-model.md §6a), part of <see cref="TrainingRunFields.All"/>: tokens per stage,
/// annotation items and data licences. Engineers, months and monthly cost are the bill's staff fields, read by the program too.
/// </summary>
public static class ProgramFields
{
    public const string ProgramSection = "The whole program";

    public static readonly IReadOnlyList<TrainingRunField> All =
    [
        new("stage-tokens", ProgramSection, "Tokens per stage", "LIST",
            "tokens of a program stage instead of its cited share, e.g. long_context=800B,rl=0 (stages: long_context, annealing, sft_preference, rl, evaluation; 0 skips one)",
            List, (r, t, _) => StageTokens(r, t), example: "long_context=800B"),
        new("annotation-items", ProgramSection, "Annotation items", "N", "human preference comparisons to buy (default 1.4M, Llama 2's; 0 for none)", Value,
            (r, t, _) => r.AnnotationItems = TrainingRunFields.Number(t), example: "100k"),
        new("licensing", ProgramSection, "Data licences ($)", "USD", "data licences bought for the program (USD)", Value,
            (r, t, _) => r.Licensing = TrainingRunFields.Price(t).ToMoney(), example: "2M"),
    ];

    private static void StageTokens(QuoteTrainingRunRequest request, string pair)
    {
        var parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || parts[0].Length == 0)
        {
            throw new ArgumentException($"'{NumberText.Echo(pair)}' is not stage=tokens (e.g. long_context=800B).");
        }

        request.StageTokens[parts[0]] = TrainingRunFields.Number(parts[1]);
    }
}
