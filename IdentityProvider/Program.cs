using AspireAuth.IdentityProvider;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddTrailhead();

var app = builder.Build();

app.UseTrailhead();
app.MapDefaultEndpoints();
app.MapTrailhead();

app.Run();
