using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

#pragma warning disable CA1814 // Prefer jagged arrays over multidimensional

namespace AspireAuth.Cart.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class InitialSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "cart",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_cart", x => x.user_id);
                });

            migrationBuilder.CreateTable(
                name: "inbox_message",
                columns: table => new
                {
                    event_id = table.Column<Guid>(type: "uuid", nullable: false),
                    consumer = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    event_type = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    processed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_inbox_message", x => new { x.event_id, x.consumer });
                });

            migrationBuilder.CreateTable(
                name: "product",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    price = table.Column<decimal>(type: "numeric(10,2)", precision: 10, scale: 2, nullable: false),
                    image_path = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_product", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "cart_line",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    product_id = table.Column<int>(type: "integer", nullable: false),
                    quantity = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_cart_line", x => new { x.user_id, x.product_id });
                    table.CheckConstraint("CK_cart_line_quantity", "quantity BETWEEN 1 AND 99");
                    table.ForeignKey(
                        name: "FK_cart_line_cart_user_id",
                        column: x => x.user_id,
                        principalTable: "cart",
                        principalColumn: "user_id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_cart_line_product_product_id",
                        column: x => x.product_id,
                        principalTable: "product",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.InsertData(
                table: "product",
                columns: new[] { "id", "image_path", "name", "price" },
                values: new object[,]
                {
                    { 1, "/images/products/1.svg", "Trail Running Shoes", 89.90m },
                    { 2, "/images/products/2.svg", "Merino Wool Socks", 14.50m },
                    { 3, "/images/products/3.svg", "Insulated Water Bottle", 24.00m },
                    { 4, "/images/products/4.svg", "Packable Rain Jacket", 119.00m },
                    { 5, "/images/products/5.svg", "Headlamp 400 lm", 39.95m },
                    { 6, "/images/products/6.svg", "Daypack 22 L", 74.00m },
                    { 7, "/images/products/7.svg", "Trekking Poles (pair)", 59.00m },
                    { 8, "/images/products/8.svg", "Camp Mug", 12.00m },
                    { 9, "/images/products/9.svg", "Sun Hat", 22.50m },
                    { 10, "/images/products/10.svg", "First Aid Kit", 29.00m },
                    { 11, "/images/products/11.svg", "Compass", 18.75m },
                    { 12, "/images/products/12.svg", "Trail Map Set", 9.90m }
                });

            migrationBuilder.CreateIndex(
                name: "IX_cart_line_product_id",
                table: "cart_line",
                column: "product_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "cart_line");

            migrationBuilder.DropTable(
                name: "inbox_message");

            migrationBuilder.DropTable(
                name: "cart");

            migrationBuilder.DropTable(
                name: "product");
        }
    }
}
