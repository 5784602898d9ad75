using Microsoft.AspNetCore.Http;
using Pricing.Client;
using Pricing.Contracts.V1;

namespace Dashboard.Pages;

/// <summary>
/// A form's training-run fields read into a request as the CLI reads its flags (<see cref="TrainingRunField.Apply"/>):
/// a value field takes the last value given, a list or switch every one; each refusal is kept under its field's name.
/// </summary>
internal static class TrainingRunForm
{
    public static void Read(IQueryCollection query, IEnumerable<TrainingRunField> fields, QuoteTrainingRunRequest request,
        List<(string Field, string Message)> errors)
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var field in fields)
        {
            var values = query[field.Name].Where(v => !string.IsNullOrWhiteSpace(v) || field.Kind == TrainingRunFieldKind.Switch).ToList();
            foreach (var value in field.Kind == TrainingRunFieldKind.Value ? values.TakeLast(1) : values)
            {
                try
                {
                    field.Apply(request, value ?? "", now);
                }
                catch (ArgumentException ex)
                {
                    errors.Add((field.Name, ex.Message));
                }
            }
        }
    }
}
