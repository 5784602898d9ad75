namespace Gcp.Pricing.Tests;

/// <summary>The bundled snapshot pages, read from the Gcp.Pricing assembly independently of the source under test.</summary>
internal static class EmbeddedPages
{
    public static Stream Open(string fileName) =>
        typeof(GcpSnapshotSource).Assembly.GetManifestResourceStream(GcpSnapshotSource.ResourcePrefix + fileName)
        ?? throw new FileNotFoundException($"No embedded snapshot page {fileName}.");
}
