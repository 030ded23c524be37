using AspireAuth.Cart.Api;
using AspireAuth.Cart.Api.Catalog;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapCatalogApi();

app.Run();
