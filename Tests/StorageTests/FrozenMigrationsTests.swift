import Storage
import XCTest

/// A released migration has already run on databases in the field: changing its text would make
/// new databases differ from old ones without either knowing. Each one's SQL is held to the
/// checksum recorded when it was released.
final class FrozenMigrationsTests: XCTestCase {
    /// FNV-1a (64-bit) of each migration's SQL as UTF-8, by version. Record a new migration's
    /// checksum here when it is released, and never change one.
    static let released: [Int: UInt64] = [
        1: 0x3c9b_a8d4_b193_7e32,
        2: 0xf337_fc1d_a605_5a81,
        3: 0xa5ab_e683_e017_452a,
        4: 0x4a11_e96f_1643_fe89,
        5: 0x9033_ed52_6970_c93e,
        6: 0x89cb_d2b4_e9df_caa4,
        7: 0xa224_32f2_e30c_6a34,
        8: 0xc7fe_121a_ba80_49eb,
        9: 0x0e66_2e41_6b4c_3b26,
        10: 0xe662_ef06_0c19_4d2d,
        11: 0xa9c0_5411_9256_4b40,
        12: 0x9880_a576_6a7e_eda6,
        13: 0x58c3_f524_27ca_b01f,
        14: 0x7e1c_b8cc_c805_372e,
        15: 0xb3f3_c03d_a3c3_ca3f,
        // Unreleased: 16 SCIM directory sync, 17 single sign-on, 18 overview, 19 webhooks, 20 counters per statement, 21 saved views and reports, 22 memberships that end.
        16: 0x5b16_1e67_ae6f_27b9,
        17: 0xbf3f_e740_3cb0_0269,
        18: 0x43fb_7e77_445c_73b1,
        19: 0x0b31_22e4_31e7_9693,
        20: 0x9324_ec44_8d04_4569,
        21: 0x5109_4273_3a21_b8d7,
        22: 0x0947_5f22_4001_d0e3,
    ]

    /// PostgreSQL's own texts (PostgresSchema), by version, frozen the same way.
    static let releasedOnPostgres: [Int: UInt64] = [
        9: 0x5628_d047_58cd_b647,
        10: 0x5ed3_9662_ba8c_34e7,
        11: 0x4439_6c27_d78f_031c,
        12: 0x2f08_48a6_48e9_05e8,
        13: 0x995f_6d33_3d7c_c0e8,
        14: 0xf81e_904d_8e20_30a2,
        15: 0xaccb_74ad_fc28_90c3,
        16: 0x2a27_cea1_46f0_2a99,
        17: 0x6c3a_d200_eb51_e929,
        18: 0xc514_69ce_5224_1562,
        19: 0x3fe8_127c_8258_a4d5,
        20: 0x6cbc_dbef_5511_9f47,
        21: 0x0c0d_18a8_0062_09ba,
        22: 0x1962_574a_0243_c1b5,
    ]

    /// The DDL the schema description renders (`Schema.current.ddl(for:)`), by version: what a new
    /// installation of that release is made of, on SQLite and on PostgreSQL. Record the description's
    /// new version here when it is released, and never change one.
    static let releasedDescriptions: [Int: (sqlite: UInt64, postgres: UInt64)] = [
        12: (sqlite: 0xa8d5_157a_3998_577b, postgres: 0x04be_d409_da39_92f3),
        13: (sqlite: 0x567a_8329_69c1_d515, postgres: 0xf34d_f665_cfce_f318),
        14: (sqlite: 0x3d5d_d3da_f4d7_b4ea, postgres: 0xeb2f_cf9b_d562_39f1),
        15: (sqlite: 0x491f_054e_6753_0eaa, postgres: 0x0883_785e_1c7a_0c0f),
        16: (sqlite: 0x3073_0985_385b_9687, postgres: 0x742f_c1eb_7c12_79c9),
        17: (sqlite: 0x0b05_67e6_17f0_9793, postgres: 0xc4e0_693a_6aa4_7e27),
        18: (sqlite: 0xc123_2b04_0ba1_0b52, postgres: 0xdde4_c432_fb70_3ac5),
        19: (sqlite: 0x0f36_9785_36d4_08d4, postgres: 0xf4de_f815_bc80_2e59),
        20: (sqlite: 0x491f_054e_6753_0eaa, postgres: 0x6853_ec09_0c02_9c74),
        21: (sqlite: 0x76f0_0358_965a_2a8d, postgres: 0xd016_ba3b_feb3_1e68),
        22: (sqlite: 0xf499_4705_bbd8_b74d, postgres: 0x5e9a_7cfe_139e_851d),
    ]

    func testTheReleasedDescriptionIsUnchanged() {
        let description = Schema.current
        let rendered = (sqlite: Self.fnv1a(description.ddl(for: .sqlite)), postgres: Self.fnv1a(description.ddl(for: .postgres)))
        let shown = "\(description.version): (sqlite: 0x\(String(rendered.sqlite, radix: 16)), postgres: 0x\(String(rendered.postgres, radix: 16)))"
        guard let recorded = Self.releasedDescriptions[description.version] else {
            return XCTFail("The schema description at version \(description.version) has no recorded checksum: when it is released, "
                           + "add \(shown) to FrozenMigrationsTests.releasedDescriptions.")
        }
        XCTAssert(recorded == rendered, "The schema description at version \(description.version) changed (now \(shown)). A released "
                  + "version is frozen: undo the change, or add a migration on each database and describe its result at the next version.")
    }

    func testReleasedMigrationsAreUnchanged() {
        check(Schema.migrations, against: Self.released, list: "released")
        check(PostgresSchema.migrations, against: Self.releasedOnPostgres, list: "releasedOnPostgres")
    }

    func check(_ migrations: [Migration], against released: [Int: UInt64], list: String) {
        for migration in migrations {
            let checksum = Self.fnv1a(migration.sql)
            guard let recorded = released[migration.version] else {
                XCTFail("Migration \(migration.version) (\(migration.name)) has no recorded checksum: when it is released, "
                        + "add \(migration.version): 0x\(String(checksum, radix: 16)) to FrozenMigrationsTests.\(list).")
                continue
            }
            XCTAssertEqual(checksum, recorded, "Migration \(migration.version) (\(migration.name)) changed (now 0x\(String(checksum, radix: 16))). "
                           + "Released migrations are frozen: undo the change and add a new migration instead.")
        }
        XCTAssertEqual(Set(released.keys), Set(migrations.map(\.version)), "a released migration was removed from \(list)")
    }

    static func fnv1a(_ text: String) -> UInt64 {
        text.utf8.reduce(0xcbf2_9ce4_8422_2325) { hash, byte in (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
    }
}
