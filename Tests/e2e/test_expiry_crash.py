"""The sweep survives kill -9 (issue 25): two serve processes, thousands of memberships due at
once; the process holding the outbox lease is killed mid-sweep, started again, and every due
membership ends exactly once (one audit entry, one membership.expired event each), on the database
the run uses."""
import re
import signal
import time

from harness import utc_timestamp
from test_email import wait_until


def test_the_sweep_killed_mid_way_ends_every_due_membership_exactly_once(fresh_stack):
    stack = fresh_stack(connections=3000, processes=2, extra_args=["--expiry-sweep-seconds", "1", "--smtp-timeout", "2"]).start()
    past = utc_timestamp(60)
    with stack.db() as db:
        db.execute("UPDATE memberships SET expires_at = ? WHERE state = 'Connected'", (past,))
        due = db.execute("SELECT count(*) FROM memberships WHERE state = 'Connected'").fetchone()[0]
    assert due >= 1000, due

    def ended():
        with stack.db() as db:
            return db.execute("SELECT count(*) FROM memberships WHERE state = 'Removed' AND expires_at = ?", (past,)).fetchone()[0]

    wait_until(lambda: ended() > 0, timeout=60)
    with stack.db() as db:
        holder = db.execute("SELECT holder FROM outbox_lease").fetchone()[0]
    pid = int(re.search(r"pid (\d+)", holder).group(1))
    index = [process.pid for process in stack.apps].index(pid)
    stack.apps[index].send_signal(signal.SIGKILL)
    stack.apps[index].wait()
    at_kill = ended()
    assert 0 < at_kill < due, f"killed mid-sweep: {at_kill} of {due} ended"
    stack.start_app(index)

    # The lease runs out (2 * 2 + 10 seconds), a process takes it and ends the rest.
    wait_until(lambda: ended() == due, timeout=120)
    time.sleep(2)
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM memberships WHERE state = 'Connected' AND expires_at <= ?", (utc_timestamp(),)).fetchone()[0] == 0
        audited = db.execute("SELECT count(*) FROM audit_log WHERE action = 'Expired driver'").fetchone()[0]
        events = db.execute("SELECT count(*) FROM domain_events WHERE kind = 'membership.expired'").fetchone()[0]
        emails = db.execute("SELECT count(*) FROM outbox o JOIN memberships m ON m.id = o.membership_id "
                            "WHERE o.kind = 'driver removed' AND m.expires_at = ?", (past,)).fetchone()[0]
    assert audited == events == emails == due, (audited, events, emails, due)
