namespace Pricing.Contracts.Events;

/// <summary>
/// AMQP topic matching, as RabbitMQ does it for bindings: words split on '.', '*' matches exactly one word,
/// '#' matches zero or more. Used to apply a subscriber's routing pattern where no broker does it (gRPC watch).
/// </summary>
public static class TopicPattern
{
    public static bool IsValid(string pattern) =>
        pattern.Length > 0 && pattern.Split('.').All(w => w.Length > 0 && (w is "*" or "#" || !w.Contains('*') && !w.Contains('#')));

    public static bool Matches(string pattern, string routingKey) => Match(pattern.Split('.'), 0, routingKey.Split('.'), 0);

    private static bool Match(string[] pattern, int p, string[] words, int w)
    {
        while (true)
        {
            if (p == pattern.Length)
            {
                return w == words.Length;
            }

            if (pattern[p] == "#")
            {
                // '#' takes zero words, or one word and stays.
                for (var skip = w; skip <= words.Length; skip++)
                {
                    if (Match(pattern, p + 1, words, skip))
                    {
                        return true;
                    }
                }

                return false;
            }

            if (w == words.Length || (pattern[p] != "*" && !string.Equals(pattern[p], words[w], StringComparison.Ordinal)))
            {
                return false;
            }

            p++;
            w++;
        }
    }
}
