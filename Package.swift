// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "connections",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // Logs (one JSON object per line) and Prometheus metrics (Sources/Observability).
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C libraries, one tiny module map each.
        .systemLibrary(name: "CFCGI", path: "Sources/CFCGI", pkgConfig: "fcgi", providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CQRencode", path: "Sources/CQRencode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        .systemLibrary(name: "CCrypt", path: "Sources/CCrypt", pkgConfig: "libxcrypt", providers: [.apt(["libcrypt-dev"])]),
        .systemLibrary(name: "CXLSXWriter", path: "Sources/CXLSXWriter", pkgConfig: "xlsxwriter", providers: [.apt(["libxlsxwriter-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CPostgres", path: "Sources/CPostgres", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // OpenSSL's libcrypto (there for libcurl): AES-256-GCM for the settings stored sealed.
        // glibc's malloc.h (mallopt), which Swift's Glibc module leaves out.
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        // Layers: Web -> Domain -> Storage; only Web uses the FastCGI transport.
        // The JSON log handler, the metrics' names and the Prometheus exposition, used by every layer.
        .target(name: "Observability", dependencies: [.product(name: "Logging", package: "swift-log"),
                                                      .product(name: "Metrics", package: "swift-metrics"),
                                                      .product(name: "Prometheus", package: "swift-prometheus")]),
        .target(name: "FastCGI", dependencies: ["CFCGI", "Observability"]),
        .target(name: "Storage", dependencies: ["CSQLite", "CPostgres", "Observability"]),
        .target(name: "Domain", dependencies: ["Storage", "Observability", "CQRencode", "CCrypt", "CXLSXWriter", "CCurl", "COpenSSL", "CZlib"]),
        // Web holds each worker's database connection and answers storage errors (busy, full) with a status.
        .target(name: "Web", dependencies: ["Domain", "Storage", "FastCGI", "Observability"]),
        // The subcommands (serve, seed, migrate, ...), shared by the two executables.
        .target(name: "ConnectionsCLI", dependencies: ["Web", "Domain", "Storage", "FastCGI", "CMalloc", "Observability",
                                                       .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // What scripts/run serves: no test hooks in it.
        .executableTarget(name: "connections", dependencies: ["ConnectionsCLI"]),
        // The test build (Tests/e2e): the same program plus the end-to-end tests' hooks (serve --test-routes).
        .executableTarget(name: "connections-test", dependencies: ["ConnectionsCLI", "Web", "Domain", "Storage", "FastCGI", "Observability",
                                                                   .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // The database the tests that touch SQL run on: SQLite, or PostgreSQL when scripts/test starts one.
        .target(name: "TestSupport", dependencies: ["Domain", "Storage"], path: "Tests/TestSupport"),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "TestSupport"]),
        .testTarget(name: "DomainTests", dependencies: ["Domain", "Storage", "TestSupport"]),
        .testTarget(name: "FastCGITests", dependencies: ["FastCGI"]),
        .testTarget(name: "ObservabilityTests", dependencies: ["Observability"]),
        .testTarget(name: "WebTests", dependencies: ["Web", "Domain", "Storage", "FastCGI", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
