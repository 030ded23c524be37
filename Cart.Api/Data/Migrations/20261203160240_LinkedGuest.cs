using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AspireAuth.Cart.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class LinkedGuest : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "linked_guest",
                columns: table => new
                {
                    guest_user_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    user_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    linked_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_linked_guest", x => x.guest_user_id);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "linked_guest");
        }
    }
}
