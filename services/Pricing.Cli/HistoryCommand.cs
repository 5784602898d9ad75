using System.Globalization;
using Grpc.Net.Client;
using Pricing.Contracts.V1;
using Spectre.Console;

namespace Pricing.Cli;

public static class HistoryCommand
{
    public static async Task<int> RunAsync(HistoryArguments arguments, TextWriter output, TextWriter error, CancellationToken cancellationToken, string? token = null)
    {
        if (arguments.Server is not null)
        {
            using var channel = ServerChannel.Open(arguments.Server, token);
            return Print(await new PriceChanges.PriceChangesClient(channel).GetPriceHistoryAsync(arguments.Request, cancellationToken: cancellationToken), arguments, output, error);
        }

        error.WriteLine("pricing history: embedded default (no --server): its history holds only this process's load of the bundled "
            + "snapshots (every offer added at version 1); use --server URL to read a running Quotes service's history.");
        await using var embedded = await EmbeddedServer.StartAsync(cancellationToken);
        using var embeddedChannel = GrpcChannel.ForAddress(embedded.Address);
        var client = new PriceChanges.PriceChangesClient(embeddedChannel);
        var response = await EmbeddedServer.WhenReadyAsync(() => client.GetPriceHistoryAsync(arguments.Request, cancellationToken: cancellationToken).ResponseAsync, cancellationToken);
        return Print(response, arguments, output, error);
    }

    private static int Print(GetPriceHistoryResponse response, HistoryArguments arguments, TextWriter output, TextWriter error)
    {
        if (arguments.Json)
        {
            output.WriteLine(ChangeFormat.Json.Format(response));
            return 0;
        }

        var r = arguments.Request;
        var subject = r.OfferKey.Length > 0
            ? $"offer {r.OfferKey}"
            : $"accelerator {r.AcceleratorId}" + (r.Provider.Length > 0 ? $", provider {r.Provider}" : "") + (r.PricingModel.Length > 0 ? $", {r.PricingModel}" : "");
        var range = (r.From, r.To) switch
        {
            (null, null) => "all retained history",
            ({ } from, null) => $"since {ChangeFormat.Time(from)}",
            (null, { } to) => $"until {ChangeFormat.Time(to)}",
            ({ } from, { } to) => $"{ChangeFormat.Time(from)} to {ChangeFormat.Time(to)}",
        };
        var console = ChangeFormat.Console(output);
        if (response.Changes.Count == 0)
        {
            console.MarkupLine(Markup.Escape($"No recorded price changes for {subject} ({range})."));
            return 0;
        }

        console.MarkupLine(Markup.Escape($"Price changes for {subject} ({range}), oldest first:"));
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in new[] { "Observed", "Provider", "Version", "Kind", "Offer", "Old $/h", "New $/h", "$/acc-h old -> new" })
        {
            table.AddColumn(column);
        }

        foreach (var c in response.Changes)
        {
            table.AddRow(
                ChangeFormat.Time(c.ObservedAt),
                Markup.Escape(c.Provider),
                c.CatalogVersion.ToString(CultureInfo.InvariantCulture),
                ChangeFormat.Kind(c.Kind),
                Markup.Escape(c.OfferKey),
                Markup.Escape(ChangeFormat.Price(c.OldPricePerInstanceHour)),
                Markup.Escape(ChangeFormat.Price(c.NewPricePerInstanceHour)),
                Markup.Escape(ChangeFormat.OldToNew(ChangeFormat.PerAccelerator(c.OldPricePerInstanceHour, c), ChangeFormat.PerAccelerator(c.NewPricePerInstanceHour, c))));
        }

        console.Write(table);
        if (response.Truncated)
        {
            error.WriteLine($"pricing history: more changes matched; these are the newest {response.Changes.Count} (raise --limit, at most {HistoryArguments.MaxLimit}, or narrow --since/--until).");
        }

        return 0;
    }
}
