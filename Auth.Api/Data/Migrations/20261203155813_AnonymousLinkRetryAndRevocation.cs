using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AspireAuth.Auth.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class AnonymousLinkRetryAndRevocation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "anonymous_session_token_hash",
                table: "anonymous_link",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "guest_sessions_revoked_at",
                table: "anonymous_link",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_anonymous_link_new_user_id",
                table: "anonymous_link",
                column: "new_user_id");

            migrationBuilder.CreateIndex(
                name: "IX_anonymous_link_unrevoked",
                table: "anonymous_link",
                column: "linked_at",
                filter: "guest_sessions_revoked_at IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_anonymous_link_new_user_id",
                table: "anonymous_link");

            migrationBuilder.DropIndex(
                name: "IX_anonymous_link_unrevoked",
                table: "anonymous_link");

            migrationBuilder.DropColumn(
                name: "anonymous_session_token_hash",
                table: "anonymous_link");

            migrationBuilder.DropColumn(
                name: "guest_sessions_revoked_at",
                table: "anonymous_link");
        }
    }
}
