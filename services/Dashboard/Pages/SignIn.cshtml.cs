using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Pricing.ServiceDefaults;

namespace Dashboard.Pages;

/// <summary>
/// A browser's way in when auth is on: the user pastes a bearer token, it is validated exactly as the API validates
/// one (same key or authority, issuer, audience, lifetime) and must hold <c>pricing.read</c>; then it is kept in an
/// HttpOnly, SameSite=Strict cookie that the dashboard's JWT handler reads (<see cref="DashboardSignIn"/>). The form
/// posts with Razor Pages' antiforgery token; the page is the only one open to anonymous callers.
/// </summary>
[AllowAnonymous]
public sealed class SignInModel(IOptionsMonitor<JwtBearerOptions> jwtOptions, TimeProvider time) : PageModel
{
    public const int MaxTokenLength = 8192;

    public string? Error { get; private set; }

    public string ReturnUrl { get; private set; } = "/";

    public void OnGet(string? returnUrl) => ReturnUrl = LocalOrRoot(returnUrl);

    public async Task<IActionResult> OnPostAsync(string? token, string? returnUrl)
    {
        ReturnUrl = LocalOrRoot(returnUrl);
        token = token?.Trim();
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
        {
            Error = $"Paste a token of 1 to {MaxTokenLength} characters.";
            return Page();
        }

        var jwt = jwtOptions.Get(JwtBearerDefaults.AuthenticationScheme);
        var parameters = jwt.TokenValidationParameters.Clone();
        if (jwt.ConfigurationManager is { } discovery)
        {
            // With an authority the keys and issuer come from its discovery document, as they do for API calls.
            var configuration = await discovery.GetConfigurationAsync(HttpContext.RequestAborted);
            parameters.IssuerSigningKeys = configuration.SigningKeys;
            parameters.ValidIssuer ??= configuration.Issuer;
        }

        var result = await new JsonWebTokenHandler { MapInboundClaims = false }.ValidateTokenAsync(token, parameters);
        if (!result.IsValid)
        {
            // The reason class only: never the token, never the validator's message (it can quote claims).
            Error = $"That token is not accepted here ({result.Exception?.GetType().Name ?? "invalid"}): check it is current and meant for this deployment.";
            return Page();
        }

        if (!PricingAuthentication.HasScope(new System.Security.Claims.ClaimsPrincipal(result.ClaimsIdentity), PricingAuthOptions.ReadScope))
        {
            Error = $"That token is valid but lacks the {PricingAuthOptions.ReadScope} scope.";
            return Page();
        }

        var expires = result.SecurityToken.ValidTo;
        Response.Cookies.Append(DashboardSignIn.CookieName, token, new CookieOptions
        {
            HttpOnly = true,
            Secure = Request.IsHttps,
            SameSite = SameSiteMode.Strict,
            Path = "/",
            Expires = expires == DateTime.MinValue ? time.GetUtcNow().AddHours(1) : new DateTimeOffset(expires, TimeSpan.Zero),
            IsEssential = true,
        });
        return LocalRedirect(ReturnUrl);
    }

    public IActionResult OnPostSignout()
    {
        Response.Cookies.Delete(DashboardSignIn.CookieName, new CookieOptions { Path = "/" });
        return LocalRedirect("/signin");
    }

    private string LocalOrRoot(string? url) => !string.IsNullOrEmpty(url) && url.Length <= 2048 && Url.IsLocalUrl(url) ? url : "/";
}
