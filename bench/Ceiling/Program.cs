// A bare Kestrel endpoint: one MapGet answering constant JSON, no logging, no telemetry, no
// database. It measures what one ASP.NET Core process can serve on this machine while the load
// generator shares the cores: the ceiling the services are held to. Listens on ASPNETCORE_URLS.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();

var app = builder.Build();

const string Body = """{"ok":true}""";
app.MapGet("/", static () => Results.Text(Body, "application/json"));

app.Run();
