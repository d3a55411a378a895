import Storage

/// One thing a host does, as a typed value: `run` checks the caller's permission, validates, opens
/// one `transaction(locking:)` with the keys its rule reads, writes its rows, its audit entry, its
/// outbox rows and its `DomainEvent`, and returns a typed outcome or throws (`UserError`,
/// `FieldProblems`, a command's own error such as `StaleVersion`). Forms and JSON bodies decode into
/// these values; Web opens no transaction. (A driver's commands, `RequestToJoin` and `AskAgain`,
/// take the sender instead of an `Access`.)
public protocol Command: Sendable {
    associatedtype Outcome: Sendable
    func run(by access: Access, in database: Database) throws -> Outcome
}
