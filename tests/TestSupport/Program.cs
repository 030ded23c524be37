using AspireAuth.TestSupport;

// `dotnet run --project tests/TestSupport -- authdb cartdb` starts the test infrastructure by hand.
await using var infrastructure = await RealInfrastructure.StartAsync(args);
foreach (var (name, connectionString) in infrastructure.ConnectionStrings)
{
    Console.WriteLine($"{name}: {connectionString}");
}

Console.WriteLine("Press Enter to stop.");
Console.ReadLine();
