using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Dashboard;

/// <summary>
/// With auth on, browsers sign in at <c>/signin</c> (Pages/SignIn): the token they paste is kept in a cookie, read
/// here as the bearer token when a request has no Authorization header; a page request without a valid one is sent
/// to the sign-in page instead of a bare 401. API clients (an Authorization header, or no HTML in Accept) keep 401/403.
/// </summary>
public static class DashboardSignIn
{
    public const string CookieName = "pricing_token";

    public static IServiceCollection AddDashboardSignIn(this IServiceCollection services) =>
        services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, jwt =>
        {
            jwt.Events ??= new JwtBearerEvents();
            var received = jwt.Events.OnMessageReceived;
            jwt.Events.OnMessageReceived = async context =>
            {
                await received(context);
                if (context.Token is null
                    && string.IsNullOrEmpty(context.Request.Headers.Authorization)
                    && context.Request.Cookies.TryGetValue(CookieName, out var token)
                    && token.Length is > 0 and <= Pages.SignInModel.MaxTokenLength)
                {
                    context.Token = token;
                }
            };
            var challenge = jwt.Events.OnChallenge;
            jwt.Events.OnChallenge = async context =>
            {
                var request = context.Request;
                if (HttpMethods.IsGet(request.Method)
                    && string.IsNullOrEmpty(request.Headers.Authorization)
                    && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase))
                {
                    context.HandleResponse();
                    var back = request.PathBase + request.Path + request.QueryString;
                    context.Response.Redirect("/signin?returnUrl=" + Uri.EscapeDataString(back.Length <= 2048 ? back : "/"));
                    return;
                }

                await challenge(context);
            };
        });

}
