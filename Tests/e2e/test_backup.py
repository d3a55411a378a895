"""Issue 29, backups that restore: `connections backup --to FILE` while the app serves and writes
(SQLite's online backup API; pg_dump on PostgreSQL), `connections restore --from FILE` into a new
installation, which a new stack then serves with every write acknowledged before the backup."""
import re
import subprocess
import threading
import time

from harness import BINARY, Stack, new_database, drop_database


def write_load(stack, acknowledged, stop):
    """Creates connections through the console's form, as fast as it answers; records each one acknowledged (303)."""
    admin = stack.sign_in()
    form = admin.get(stack.base + "/connections/new", timeout=10).text
    org = (re.search(r'<option value="(\d+)"', form) or re.search(r'name="org" value="(\d+)"', form)).group(1)
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    n = 0
    while not stop.is_set():
        n += 1
        name = f"Backup write {n}"
        answer = admin.post(stack.base + "/connections/new", allow_redirects=False, timeout=30, data={
            "csrf": csrf, "org": org, "name_for_drivers": "Acme Robotics", "name": name, "type": "Standard", "status": "Enabled",
            "visibility": "Private", "approval": "Manually approve", "benefit": ["Free charging"], "discount": "", "domains": "",
            "question": ["Employee ID"], "version": ""})
        if answer.status_code == 303:
            acknowledged.append((time.time(), name))


def test_a_backup_under_write_load_restores_into_a_new_installation_with_every_acknowledged_write(fresh_stack, tmp_path):
    stack = fresh_stack(connections=300).start()
    acknowledged, stop = [], threading.Event()
    writer = threading.Thread(target=write_load, args=(stack, acknowledged, stop))
    writer.start()
    try:
        deadline = time.time() + 20
        while len(acknowledged) < 20 and time.time() < deadline:
            time.sleep(0.05)
        started = time.time()
        backup = tmp_path / ("connections.dump" if stack.postgres else "connections-backup.sqlite")
        done = subprocess.run([BINARY, "backup", "--database", str(stack.database), "--to", str(backup)], capture_output=True, text=True, timeout=120)
        finished = time.time()
        time.sleep(0.5)  # writes go on after the backup
    finally:
        stop.set()
        writer.join(timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    assert backup.stat().st_size > 0
    before = [name for at, name in acknowledged if at < started]
    after = [name for at, name in acknowledged if at > finished]
    assert len(before) >= 20 and after, "writes were acknowledged before and after the backup"

    again = subprocess.run([BINARY, "backup", "--database", str(stack.database), "--to", str(backup)], capture_output=True, text=True)
    assert again.returncode != 0 and "exists already" in again.stderr, "a backup never overwrites a file"

    # A new installation: an empty database, restored, then served by a stack of its own.
    target = new_database(tmp_path, "restored")
    restored = subprocess.run([BINARY, "restore", "--database", str(target), "--from", str(backup)], capture_output=True, text=True, timeout=120)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    refused = subprocess.run([BINARY, "restore", "--database", str(target), "--from", str(backup)], capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0 and "not empty" in refused.stderr, "a restore never mixes with a database's rows"

    folder = tmp_path / "restored-stack"
    folder.mkdir()
    second = Stack(folder, database=target, seed=False)
    try:
        second.start()
        assert second.get("/readyz").text == "ready\n"
        names = {name for (name,) in second.query("SELECT name FROM connections WHERE name LIKE ?", ("Backup write %",))}
        missing = [name for name in before if name not in names]
        assert not missing, f"{len(missing)} writes acknowledged before the backup are missing: {missing[:5]}"
        # Served: the newest write acknowledged before the backup shows in the table of the restored installation.
        page = second.get("/connections?f=name&op=is&v=" + before[-1].replace(" ", "+")).text
        assert before[-1] in page
    finally:
        second.stop()
        if stack.postgres:
            drop_database(target)
