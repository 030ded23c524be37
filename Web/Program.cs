using AspireAuth.Web;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddStorefront();

var app = builder.Build();

app.UseStorefront();
app.MapDefaultEndpoints();
app.MapStorefront();

app.Run();
