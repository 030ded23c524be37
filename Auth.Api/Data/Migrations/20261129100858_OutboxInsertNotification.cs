using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AspireAuth.Auth.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class OutboxInsertNotification : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Wakes the outbox relay when an insert commits, instead of making it poll.
            migrationBuilder.Sql("""
                CREATE FUNCTION outbox_message_notify() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  PERFORM pg_notify('outbox_message', '');
                  RETURN NULL;
                END $$;

                CREATE TRIGGER outbox_message_inserted
                  AFTER INSERT ON outbox_message
                  FOR EACH STATEMENT EXECUTE FUNCTION outbox_message_notify();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER outbox_message_inserted ON outbox_message;
                DROP FUNCTION outbox_message_notify();
                """);
        }
    }
}
