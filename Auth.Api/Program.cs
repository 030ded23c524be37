using AspireAuth.Auth.Api;
using AspireAuth.Auth.Api.Outbox;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

if (await app.TryRunOutboxCommandAsync(args))
{
    return;
}

app.MapDefaultEndpoints();
app.MapAuthApi();

app.Run();
