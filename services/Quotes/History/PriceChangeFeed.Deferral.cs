using Pricing.Contracts.Events;

namespace Quotes.History;

/// <summary>
/// Watchers first: when a version part's history write (behind the fan-out, <see cref="ReceivePartAsync"/>, and on the
/// shared queue) may go while the rest of its version is still reaching this replica's watchers.
/// </summary>
public sealed partial class PriceChangeFeed
{
    // The newest (version, part) of each provider passed on to watchers, and a signal for each pass (WhenVersionPassedOnAsync).
    private readonly Dictionary<string, (long Version, int Part)> _passedOn = new(StringComparer.Ordinal);
    // When each provider's newest version had its last part passed on (Stopwatch ticks): the watchers' drain window.
    private readonly Dictionary<string, long> _versionPassedAt = new(StringComparer.Ordinal);
    private TaskCompletionSource _passedOnSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Notes <paramref name="part"/> as passed on (under the feed's lock); the caller completes the returned signal.</summary>
    private TaskCompletionSource MarkPassedOnLocked(CatalogVersionChanges part)
    {
        if (!_passedOn.TryGetValue(part.Provider, out var newest) || (part.CatalogVersion, part.Part).CompareTo(newest) > 0)
        {
            _passedOn[part.Provider] = (part.CatalogVersion, part.Part);
            if (part.Part >= part.Parts)
            {
                _versionPassedAt[part.Provider] = System.Diagnostics.Stopwatch.GetTimestamp();
            }
        }

        var passed = _passedOnSignal;
        _passedOnSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return passed;
    }

    /// <summary>
    /// While this replica is passing <paramref name="part"/>'s version on to its watchers (an earlier part of it went, its
    /// last has not), waits for the last, for at most <see cref="PriceHistoryOptions.VersionWriteDeferral"/> and never once
    /// <see cref="MaxUnrecordedParts"/> is nearly reached: a part's history write (a Redis script per change, on the same
    /// cores) then no longer delays the version's later parts on their way to the watchers. Nothing is lost meanwhile: the
    /// shared queue holds the part unacked, and a resuming watcher is given the parts not yet written. The shared queue's
    /// part of the version after the newest passed on here waits the same way; a version further ahead (this replica's own
    /// queue behind) is not waited for. Then <see cref="WhenWatchersDrainedAsync"/>.
    /// </summary>
    public async Task WhenVersionPassedOnAsync(CatalogVersionChanges part, CancellationToken cancellationToken)
    {
        var deadline = time.GetTimestamp() + (long)(options.VersionWriteDeferral.TotalSeconds * time.TimestampFrequency);
        while (true)
        {
            Task signal;
            lock (_lock)
            {
                // Arriving: this replica passed on part of the version and not yet its last; or it passed on the version
                // before (its own queue is level with the shared one, and this version comes next). The shared queue often
                // delivers a part a moment before the replica's own queue does, and its write must wait then too.
                var arriving = _passedOn.TryGetValue(part.Provider, out var newest)
                    && (newest.Version == part.CatalogVersion ? newest.Part < part.Parts : newest.Version == part.PreviousVersion);
                if (_unrecorded.Count >= MaxUnrecordedParts - 1)
                {
                    return;
                }

                if (!arriving)
                {
                    break;
                }

                signal = _passedOnSignal.Task;
            }

            var now = time.GetTimestamp();
            if (now >= deadline)
            {
                return;
            }

            await signal.WaitAsync(time.GetElapsedTime(now, deadline), time, cancellationToken).ContinueWith(static _ => { }, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            cancellationToken.ThrowIfCancellationRequested();
        }

        await WhenWatchersDrainedAsync(part, cancellationToken);
    }

    /// <summary>How long after a version's last part was passed on its history writes may wait for the watchers' queues to empty.</summary>
    public static readonly TimeSpan WatcherDrainGrace = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Then, for a part of the newest version passed on, until this replica's watchers have taken what they were handed (their
    /// gRPC streams are writing it), for at most <see cref="WatcherDrainGrace"/> after the version's last part: once per
    /// version, so a slow watcher costs the history at most that. Timed on the process's own clock (a scheduling choice,
    /// not a time anything records).
    /// </summary>
    private async Task WhenWatchersDrainedAsync(CatalogVersionChanges part, CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_lock)
            {
                if (options.VersionWriteDeferral <= TimeSpan.Zero
                    || !_passedOn.TryGetValue(part.Provider, out var newest) || newest.Version != part.CatalogVersion
                    || !_versionPassedAt.TryGetValue(part.Provider, out var passedAt)
                    || System.Diagnostics.Stopwatch.GetElapsedTime(passedAt) >= WatcherDrainGrace
                    || _watchers.All(w => w.Changes.Count == 0))
                {
                    return;
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(1), cancellationToken);
        }
    }
}
