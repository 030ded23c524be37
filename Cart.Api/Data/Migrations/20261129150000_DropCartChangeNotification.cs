using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AspireAuth.Cart.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class DropCartChangeNotification : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Cart changes are announced on the Redis invalidation channel under change leases now
            // (CartStore), so one sync per request covers sessions and carts alike.
            migrationBuilder.Sql("""
                DROP TRIGGER product_changed ON product;
                DROP TRIGGER cart_line_changed ON cart_line;
                DROP TRIGGER cart_changed ON cart;
                DROP FUNCTION cart_changed_notify();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION cart_changed_notify() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF TG_TABLE_NAME = 'product' THEN
                    PERFORM pg_notify('cart_changed', '*');
                    RETURN NULL;
                  END IF;
                  IF TG_OP IN ('UPDATE', 'DELETE') THEN
                    PERFORM pg_notify('cart_changed', OLD.user_id);
                  END IF;
                  IF TG_OP IN ('INSERT', 'UPDATE') THEN
                    PERFORM pg_notify('cart_changed', NEW.user_id);
                  END IF;
                  RETURN NULL;
                END $$;

                CREATE TRIGGER cart_changed AFTER INSERT OR UPDATE OR DELETE ON cart
                  FOR EACH ROW EXECUTE FUNCTION cart_changed_notify();
                CREATE TRIGGER cart_line_changed AFTER INSERT OR UPDATE OR DELETE ON cart_line
                  FOR EACH ROW EXECUTE FUNCTION cart_changed_notify();
                CREATE TRIGGER product_changed AFTER INSERT OR UPDATE OR DELETE ON product
                  FOR EACH STATEMENT EXECUTE FUNCTION cart_changed_notify();
                """);
        }
    }
}
