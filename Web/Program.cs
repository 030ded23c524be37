using AspireAuth.Web;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseStaticFiles();
app.UseRouting();
app.MapDefaultEndpoints();
app.MapRazorPages();

app.Run();
