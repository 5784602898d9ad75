using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// Memory fit (docs/quote-model.md §3): model state = bytes per parameter by optimizer setup (18 Megatron, the
/// default; 16 ZeRO) × total parameters; activations from the model shape (Korthikanti et al. 2022) when given,
/// else the allowance.
/// </summary>
public sealed class MemoryTests
{
    private static double Allowance => DataFiles.Default("activationAllowance");

    [Theory]
    [InlineData("", "bytesPerParameterMegatron", 18)]
    [InlineData("megatron", "bytesPerParameterMegatron", 18)]
    [InlineData("zero", "bytesPerParameter", 16)]
    public void Bytes_per_parameter_follow_the_optimizer_setup(string setup, string row, double bytes)
    {
        var spec = Spec(parameters: 70e9) with { OptimizerSetup = setup };

        var result = Engine().Quote(spec, Prices(P5()));

        Assert.Equal(bytes, DataFiles.Default(row));
        Assert.Equal(bytes, Assert.Single(result.Assumptions).BytesPerParameter);
        Close(bytes * 70e9, result.Compute.ModelStateBytes);
    }

    [Fact]
    public void Megatron_state_needs_an_instance_more_than_ZeRO_where_the_two_straddle_an_instance()
    {
        // 55B: 880 GB (ZeRO) fits 2 × 8 H100 × 56 GB = 896 GB; 990 GB (Megatron) does not.
        const double n = 55e9;
        var perInstance = 8 * 80e9 * (1 - Allowance);
        Assert.Equal(2, Math.Ceiling(16 * n / perInstance));
        Assert.Equal(3, Math.Ceiling(18 * n / perInstance));

        var zero = Engine().Quote(Spec(parameters: n, acceleratorCount: 16) with { OptimizerSetup = "zero" }, Prices(P5()));
        var megatron = Engine().Quote(Spec(parameters: n, acceleratorCount: 16), Prices(P5()));

        Assert.Single(zero.Options);
        Assert.Empty(megatron.Options);
        var reason = Assert.Single(megatron.Excluded).Reason;
        Assert.Contains("at least 24 accelerators", reason, StringComparison.Ordinal);
        Assert.Contains("18 B/parameter", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(80, 8192, 4096, 1)]
    [InlineData(80, 8192, 4096, 8)]
    [InlineData(126, 16384, 8192, 8)]
    public void Activation_bytes_are_2_s_h_L_plus_34_s_h_over_the_tensor_parallel_width(int layers, int dModel, int sequence, int tensorParallel)
    {
        var spec = Spec() with { Layers = layers, DModel = dModel, SequenceLength = sequence };

        var sh = (double)sequence * dModel;
        Close((2 * sh * layers + 34 * sh) / tensorParallel, TrainingComputeModel.ActivationBytes(spec, tensorParallel));
        Assert.Equal(0, TrainingComputeModel.ActivationBytes(Spec(), tensorParallel));
    }

    [Fact]
    public void An_accelerator_whose_memory_one_sequence_exceeds_is_excluded_with_the_reason()
    {
        // 80 layers × 8,192 × 32K tokens: 52 GB of activations per sequence. An L4 (24 GB, no tensor parallelism on
        // g2-standard-4) cannot hold one; an H100 in a p5.48xlarge holds an eighth of it (tensor parallel 8).
        var spec = Spec(parameters: 7e9, tokens: 1.4e11) with { Layers = 80, DModel = 8192, SequenceLength = 32768, Goodput = 0.9 };
        var l4 = Offer(provider: "gcp", region: "us-central1", instanceType: "g2-standard-4", acceleratorId: "nvidia-l4", acceleratorsPerInstance: 1m, price: 0.7m);
        var perSequence = TrainingComputeModel.ActivationBytes(spec, 1);
        Assert.True(perSequence > 24e9 && perSequence / 8 < 80e9);

        var result = Engine().Quote(spec, Prices(l4, P5()));

        Assert.Equal("p5.48xlarge", Assert.Single(result.Options).Offer.InstanceType);
        var excluded = Assert.Single(result.Excluded);
        Assert.Equal(l4.OfferKey, excluded.Offer.OfferKey);
        Assert.Contains("one sequence of 32,768 tokens", excluded.Reason, StringComparison.Ordinal);
        Assert.Contains($"{perSequence / 1e9:N0} GB of activations", excluded.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void With_the_model_shape_the_activations_replace_the_allowance_in_the_memory_fit()
    {
        // 49B with 128K-token sequences: 26 GB of activations per H100 (tensor parallel 8) leave 54 GB, less than the
        // allowance's 56 GB, so the state needs a third instance.
        const double n = 49e9;
        var spec = Spec(parameters: n, acceleratorCount: 16) with { Layers = 80, DModel = 8192, SequenceLength = 131072 };
        var activation = TrainingComputeModel.ActivationBytes(spec, 8);
        Assert.Equal(3, Math.Ceiling(18 * n / (8 * (80e9 - activation))));
        Assert.Equal(2, Math.Ceiling(18 * n / (8 * 80e9 * (1 - Allowance))));

        var withShape = Engine().Quote(spec, Prices(P5()));
        var withoutShape = Engine().Quote(spec with { Layers = 0, DModel = 0, SequenceLength = 0 }, Prices(P5()));

        Assert.Empty(withShape.Options);
        Assert.Contains("at least 24 accelerators", Assert.Single(withShape.Excluded).Reason, StringComparison.Ordinal);
        Assert.Single(withoutShape.Options);
    }

    [Fact]
    public void A_requested_allowance_overrides_the_model_shape()
    {
        var spec = Spec(parameters: 49e9, acceleratorCount: 16) with { Layers = 80, DModel = 8192, SequenceLength = 131072, ActivationAllowance = 0.3 };

        Assert.Single(Engine().Quote(spec, Prices(P5())).Options);
    }

    [Fact]
    public void A_larger_activation_allowance_needs_more_accelerators()
    {
        // 1,260 GB / (80 GB × 0.5) = 31.5: 32 H100s, 4 instances.
        var result = Engine().Quote(Spec(acceleratorCount: 24) with { ActivationAllowance = 0.5 }, Prices(P5()));

        Assert.Equal(32, Assert.Single(result.Assumptions).MinAcceleratorsForMemory);
        Assert.Empty(result.Options);
        Assert.Contains("at least 32 accelerators", Assert.Single(result.Excluded).Reason, StringComparison.Ordinal);
    }
}
