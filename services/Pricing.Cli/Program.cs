using System.Runtime.InteropServices;
using Pricing.Cli;

// Ctrl+C (or SIGTERM) cancels the command: watch exits 0, anything else 130. A second Ctrl+C kills the process.
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = !stop.IsCancellationRequested;
    stop.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

return await Cli.RunAsync(args, Console.Out, Console.Error, stop.Token);
