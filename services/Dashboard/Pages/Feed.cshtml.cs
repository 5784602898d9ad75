using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Dashboard.Pages;

/// <summary>The live change feed: the kept changes, then new ones pushed over server-sent events.</summary>
public sealed class FeedModel(PriceFeedRelay relay) : PageModel
{
    public IReadOnlyList<FeedItem> Items { get; private set; } = [];

    public RelayState State { get; private set; } = null!;

    public long LastSeq { get; private set; }

    public void OnGet()
    {
        // Read the sequence number first: anything arriving after it reaches the page over the event stream.
        LastSeq = relay.LastSeq;
        Items = relay.Recent().Where(i => i.Seq <= LastSeq).ToList();
        State = relay.State;
    }
}
