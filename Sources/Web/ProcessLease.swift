import Domain
import Foundation
import Storage

/// This process's hold on the outbox lease, shared by its two duties that run in one process at a
/// time: sending email (`EmailDelivery`) and ending memberships on time (`ExpiryDuty`). One holder
/// name per process start, so that either duty taking the lease takes it for both.
enum ProcessLease {
    static let holder: String = {
        var random = SystemRandomNumberGenerator()
        return "\(ProcessInfo.processInfo.hostName) pid \(getpid()) " + InviteCodes.inviteToken(using: &random)
    }()

    /// Longer than one email can take to send (`timeout`: the SMTP timeout), so a live holder never loses it mid-send.
    static func lease(_ database: Database, timeout: Int) -> OutboxLease {
        OutboxLease(database: database, holder: holder, duration: TimeInterval(2 * timeout + 10))
    }
}
