namespace Pricing.Contracts.Events;

/// <summary>
/// AMQP topic matching, as RabbitMQ does it for bindings: words split on '.', '*' matches exactly one word,
/// '#' matches zero or more. Used to apply a subscriber's routing pattern where no broker does it (gRPC watch).
/// A pattern has at most <see cref="MaxLength"/> characters and <see cref="MaxWords"/> words (a routing key has four,
/// so no useful pattern comes near), and matching is linear: a set-of-positions simulation over the pattern's words
/// with consecutive '#' collapsed, at most 2 × (key words + 1) × (pattern words + 1) steps. The earlier backtracking
/// matcher took about 30 s of CPU on one 60-'#' pattern, under the feed's lock.
/// </summary>
public static class TopicPattern
{
    public const int MaxLength = 256;
    public const int MaxWords = 16;

    /// <summary>Dot-separated non-empty words, each a name, '*' or '#'; within the length and word caps.</summary>
    public static bool IsValid(string pattern)
    {
        if (pattern.Length is 0 or > MaxLength)
        {
            return false;
        }

        var words = pattern.Split('.');
        return words.Length <= MaxWords && words.All(w => w.Length > 0 && (w is "*" or "#" || !w.Contains('*') && !w.Contains('#')));
    }

    public static bool Matches(string pattern, string routingKey) => Matches(pattern, routingKey, out _);

    /// <summary>As <see cref="Matches(string, string)"/>; <paramref name="steps"/> counts the position visits, for tests of the bound.</summary>
    public static bool Matches(string pattern, string routingKey, out long steps)
    {
        var p = Collapse(pattern.Split('.'));
        var words = routingKey.Split('.');
        steps = 0;

        // current[i]: the first i pattern words can match the key words read so far.
        var current = new bool[p.Length + 1];
        var next = new bool[p.Length + 1];
        current[0] = true;
        Close(p, current, ref steps);
        foreach (var word in words)
        {
            Array.Clear(next);
            var any = false;
            for (var i = 0; i < p.Length; i++)
            {
                steps++;
                if (!current[i])
                {
                    continue;
                }

                if (p[i] == "#")
                {
                    next[i] = any = true; // '#' takes this word and stays
                }
                else if (p[i] == "*" || string.Equals(p[i], word, StringComparison.Ordinal))
                {
                    next[i + 1] = any = true;
                }
            }

            if (!any)
            {
                return false;
            }

            Close(p, next, ref steps);
            (current, next) = (next, current);
        }

        return current[p.Length];
    }

    /// <summary>'#' may also take zero words: a position before a '#' reaches the one after it.</summary>
    private static void Close(string[] p, bool[] positions, ref long steps)
    {
        for (var i = 0; i < p.Length; i++)
        {
            steps++;
            if (positions[i] && p[i] == "#")
            {
                positions[i + 1] = true;
            }
        }
    }

    /// <summary>"#.#" matches what "#" matches.</summary>
    private static string[] Collapse(string[] words)
    {
        var collapsed = new List<string>(words.Length);
        foreach (var word in words)
        {
            if (word != "#" || collapsed.Count == 0 || collapsed[^1] != "#")
            {
                collapsed.Add(word);
            }
        }

        return [.. collapsed];
    }
}
