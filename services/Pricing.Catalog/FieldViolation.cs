namespace Pricing.Catalog;

/// <summary>A bad field of a request: the field's path and what is wrong with it.</summary>
public sealed record FieldViolation(string Field, string Description);
