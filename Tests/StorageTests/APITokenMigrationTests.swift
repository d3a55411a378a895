import Storage
import XCTest

/// Migration 7 (API tokens): only a hash is stored, one per token; names are unique per user
/// without regard to case; a user's removal takes their tokens.
final class APITokenMigrationTests: XCTestCase {
    func testTokensAreHashesNamedOncePerUserAndGoWithTheirUser() throws {
        let database = try Database(path: ":memory:")
        try Migrator().migrate(database)
        try database.execute("""
            INSERT INTO users (id, email, name, password_hash, created_at) VALUES (1, 'a@x.test', 'A', 'x', 'x'), (2, 'b@x.test', 'B', 'x', 'x');
            INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (1, 'HR sync', '\(String(repeating: "a", count: 64))', 'x');
            INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (2, 'HR sync', '\(String(repeating: "b", count: 64))', 'x');
            """)
        for sql in ["INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (1, 'hr SYNC', '\(String(repeating: "c", count: 64))', 'x')",
                    "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (1, 'Other', '\(String(repeating: "a", count: 64))', 'x')",
                    "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (1, 'Plain', 'cnx_not_a_hash', 'x')",
                    "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (1, '  ', '\(String(repeating: "d", count: 64))', 'x')"] {
            XCTAssertThrowsError(try database.run(SQLFragment(raw: sql))) { XCTAssertTrue(($0 as? StorageError)?.isConstraintViolation == true, "\($0)") }
        }
        try database.run("DELETE FROM users WHERE id = 1")
        XCTAssertEqual(try database.scalarInt("SELECT count(*) FROM api_tokens"), 1)
    }
}
