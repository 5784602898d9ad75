namespace Pricing.Quoting;

/// <summary>A quote's warnings are said once, however many options give rise to the same one.</summary>
internal static class QuoteWarnings
{
    /// <summary>Adds a quote-wide warning unless an option already added the same text.</summary>
    public static void AddOnce(this List<string> warnings, string warning)
    {
        if (!warnings.Contains(warning))
        {
            warnings.Add(warning);
        }
    }
}
