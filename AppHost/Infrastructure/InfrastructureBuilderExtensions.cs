using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AspireAuth.AppHost.Infrastructure;

/// <summary>PostgreSQL and Redis as the services see them, whichever way they are provided.</summary>
public interface IInfrastructure
{
    InfrastructureChoice Choice { get; }

    IPostgresServer AddPostgres(string name);

    IResourceBuilder<IResourceWithConnectionString> AddRedis(string name);
}

public interface IPostgresServer
{
    IResourceBuilder<IResourceWithConnectionString> AddDatabase(string name);
}

public static class InfrastructureBuilderExtensions
{
    /// <summary>
    /// Chooses containers or local binaries (see <see cref="InfrastructureMode"/>) and logs the choice and why.
    /// </summary>
    /// <remarks>
    /// Publishing always writes containers: the manifest describes where the app is deployed, so it must not
    /// depend on what the publishing machine has (a Docker daemon, local binaries), nor probe for it.
    /// </remarks>
    /// <exception cref="InfrastructureUnavailableException">Neither is possible; the message says what to install.</exception>
    public static IInfrastructure AddInfrastructure(this IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return new ContainerInfrastructure(builder, new(InfrastructureMode.Containers, "publishing: always containers"));
        }

        var options = builder.Configuration.GetSection(InfrastructureOptions.SectionName).Get<InfrastructureOptions>() ?? new();
        var binaries = LocalBinaries.Locate(options.PostgresBinDirectory);
        var choice = InfrastructureModeSelector.Choose(options.Mode, ContainerRuntimeProbe.Probe, binaries);

        builder.Eventing.Subscribe<BeforeStartEvent>((@event, _) =>
        {
            @event.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AspireAuth.Infrastructure")
                .LogInformation("Infrastructure mode: {Mode} ({Reason})", choice.Mode, choice.Reason);
            return Task.CompletedTask;
        });

        return choice.Mode == InfrastructureMode.Containers
            ? new ContainerInfrastructure(builder, choice)
            : new LocalInfrastructure(builder, choice, binaries, options.DataDirectory ?? LocalDataDirectory.Default);
    }

    private sealed class ContainerInfrastructure(IDistributedApplicationBuilder builder, InfrastructureChoice choice) : IInfrastructure
    {
        // The majors local mode and the integration tests run (PostgreSQL 15, Redis 7), not Aspire's defaults:
        // containers, local mode and a deployment then run the same server. Only the major is pinned, so an
        // image pull takes the latest patch release (PostgreSQL's minors are fixes only; the services use no
        // Redis command newer than 7.0).
        public const string PostgresImageTag = "15";
        public const string RedisImageTag = "7";

        public InfrastructureChoice Choice => choice;

        public IPostgresServer AddPostgres(string name) =>
            new ContainerPostgres(builder.AddPostgres(name).WithImageTag(PostgresImageTag).WithDataVolume());

        public IResourceBuilder<IResourceWithConnectionString> AddRedis(string name) =>
            builder.AddRedis(name).WithImageTag(RedisImageTag)
                .WithDataVolume().WithPersistence(TimeSpan.FromSeconds(10), keysChangedThreshold: 1);

        private sealed class ContainerPostgres(IResourceBuilder<PostgresServerResource> server) : IPostgresServer
        {
            public IResourceBuilder<IResourceWithConnectionString> AddDatabase(string name) => server.AddDatabase(name);
        }
    }

    private sealed class LocalInfrastructure(
        IDistributedApplicationBuilder builder, InfrastructureChoice choice, LocalBinaries binaries, string dataRoot) : IInfrastructure
    {
        public InfrastructureChoice Choice => choice;

        public IPostgresServer AddPostgres(string name)
        {
            var server = new LocalPostgresResource(name,
                command: ProcessUser.IsRoot ? "setpriv" : binaries.PostgresPath,
                workingDirectory: dataRoot,
                dataDirectory: Path.Combine(dataRoot, name),
                password: LocalPostgresResource.ReadOrCreatePassword(dataRoot));

            var healthCheckKey = $"{name}-ready";
            builder.Services.AddHealthChecks().Add(new(healthCheckKey, _ => new PostgresReadyCheck(server), null, null));

            var serverBuilder = builder.AddResource(server)
                .WithEndpoint(name: LocalPostgresResource.EndpointName, scheme: "tcp")
                .WithArgs(context =>
                {
                    var postgresArguments = new object[]
                    {
                        "-D", server.DataDirectory,
                        "-p", server.PrimaryEndpoint.Property(EndpointProperty.TargetPort),
                        "-c", "listen_addresses=127.0.0.1",
                        // No Unix socket: its default folder may not exist or be writable here.
                        "-c", "unix_socket_directories=",
                    };
                    if (ProcessUser.IsRoot)
                    {
                        context.Args.Add($"--reuid={ProcessUser.PostgresAccount}");
                        context.Args.Add($"--regid={ProcessUser.PostgresAccount}");
                        context.Args.Add("--init-groups");
                        context.Args.Add(binaries.PostgresPath);
                    }

                    foreach (var argument in postgresArguments)
                    {
                        context.Args.Add(argument);
                    }
                })
                .WithHealthCheck(healthCheckKey)
                .OnBeforeResourceStarted((resource, _, cancellationToken) =>
                    resource.EnsureClusterInitializedAsync(binaries, cancellationToken));

            return new LocalPostgres(builder, serverBuilder);
        }

        public IResourceBuilder<IResourceWithConnectionString> AddRedis(string name)
        {
            var dataDirectory = Path.Combine(dataRoot, name);
            Directory.CreateDirectory(dataDirectory);
            var redis = new LocalRedisResource(name, binaries.RedisServerPath!, dataDirectory);

            var healthCheckKey = $"{name}-ready";
            builder.Services.AddHealthChecks().Add(new(healthCheckKey, _ => new RedisReadyCheck(redis), null, null));

            return builder.AddResource(redis)
                .WithEndpoint(name: LocalRedisResource.EndpointName, scheme: "tcp")
                .WithArgs(context =>
                {
                    context.Args.Add("--port");
                    context.Args.Add(redis.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
                    foreach (var argument in new[]
                    {
                        "--bind", "127.0.0.1",
                        "--dir", dataDirectory,
                        // Sessions, revocations and the event stream must survive a crash: Redis answers a
                        // write only once it is on disk (one fsync per event-loop turn, shared by its writes).
                        "--appendonly", "yes",
                        "--appendfsync", "always",
                        "--save", "",
                    })
                    {
                        context.Args.Add(argument);
                    }
                })
                .WithHealthCheck(healthCheckKey);
        }

        private sealed class LocalPostgres(IDistributedApplicationBuilder builder, IResourceBuilder<LocalPostgresResource> server) : IPostgresServer
        {
            public IResourceBuilder<IResourceWithConnectionString> AddDatabase(string name)
            {
                // Like Aspire's container integration: the AppHost creates the database once the server is ready.
                server.OnResourceReady((resource, _, cancellationToken) => resource.EnsureDatabaseExistsAsync(name, cancellationToken));

                var database = builder.AddConnectionString(name, ReferenceExpression.Create($"{server.Resource};Database={name}"));
                var healthCheckKey = $"{name}-ready";
                builder.Services.AddHealthChecks().Add(new(healthCheckKey, _ => new PostgresReadyCheck(database.Resource), null, null));
                return database.WithParentRelationship(server).WithHealthCheck(healthCheckKey);
            }
        }
    }
}
