"""nbgrader exchange classes that keep the students of a shared JupyterHub apart.

nbgrader's exchange is pluggable: ``nbgrader_config.py`` names the class used
for each step (``c.ExchangeFactory.submit = "initlab_exchange.PrivateSubmit"``).
These subclasses of nbgrader 0.9.6's default (folder-based) exchange change
only what is needed so that, on one machine with one Unix account per
student, a student cannot see or touch another student's work:

* :class:`PrivateSubmit` -- a submission is readable by its student and by the
  instructor's group only (nbgrader makes each submission folder 0777 and its
  files 0644), and it appears in the inbound folder complete and at once
  (copied into a private staging folder, then renamed), so ``collect`` never
  picks up half a submission.
* :class:`VerifiedCollect` -- a submission is collected only if the Unix
  account that owns it (and every file in it) is the student it names.
  nbgrader itself only warns ("cheating attempt?") and collects it anyway,
  and its latest-submission-wins rule lets a forged later submission replace
  the real one. Forged submissions are skipped, logged as errors and listed
  in ``rejected_submissions.csv`` in the course directory.
* :class:`PrivateReleaseFeedback` -- a student's feedback file is readable by
  that student only (a POSIX ACL entry for their account; the file is 0640,
  owner the instructor), not 0644 to everybody who can compute its name.

The layout these classes rely on (made by ``hub/classroom.py``; reasons in
INSTRUCTORS.md): home folders 0700; the exchange root 1777 owned by root; the
course folder pre-created, owned by the instructor, 0755; its ``inbound``
owned by the instructor, group the instructor's group, mode 3733 (setgid so
every submission gets the instructor's group, sticky so nobody but a
submission's owner can rename or delete it, no read bit for others so it
cannot be listed); ``outbound`` 0755 and ``feedback`` 0711.
"""

from __future__ import annotations

import csv
import datetime
import os
import pwd
import shutil
import stat
import struct

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback
from nbgrader.exchange.default.submit import ExchangeSubmit
from nbgrader.utils import notebook_hash

__all__ = ["PrivateSubmit", "VerifiedCollect", "PrivateReleaseFeedback", "set_user_read_acl",
           "REJECTED_FILE"]

#: Name of the report of rejected submissions, in the instructor's course directory.
REJECTED_FILE = "rejected_submissions.csv"

SUBMISSION_DIR_MODE = 0o750       # student rwx, instructor's group r-x, others nothing
SUBMISSION_FILE_MODE = 0o640      # student rw, instructor's group r, others nothing
FEEDBACK_FILE_MODE = 0o640        # instructor rw, the student (ACL) r, others nothing


class PrivateSubmit(ExchangeSubmit):
    """nbgrader's submit, with the submission closed to other students and published atomically."""

    def copy_files(self):
        import secrets

        self.init_release()
        submission_secret = secrets.token_hex(64)
        dest_path = os.path.join(self.inbound_path, self.assignment_filename)
        if self.add_random_string:
            cache_path = os.path.join(self.cache_path, self.assignment_filename.rsplit("+", 1)[0])
        else:
            cache_path = os.path.join(self.cache_path, self.assignment_filename)
        self.log.info("Source: {}".format(self.src_path))
        self.log.info("Destination: {}".format(dest_path))
        self.check_filename_diff()

        # A private staging folder (0700, a dot name that collect's glob never matches), the
        # final permissions set inside it, then one rename into place: nobody else can read the
        # copy while it is being made, and collect sees the submission whole or not at all.
        # Every file must get the inbound folder's group (the instructor's) from its setgid bit.
        # copytree ends by copying the source folder's mode onto the copy, which clears setgid
        # there (the student is not in that group), so the two files nbgrader adds are written
        # into the staging folder first (which has it) and moved in afterwards.
        staging = os.path.join(self.inbound_path, "." + self.assignment_filename + ".part")
        os.mkdir(staging, 0o700)
        try:
            work = os.path.join(staging, "submission")
            extra = (("timestamp.txt", self.timestamp), ("submission_secret.txt", submission_secret))
            for name, text in extra:
                with open(os.path.join(staging, name), "w") as fh:
                    fh.write(text)
            self.do_copy(self.src_path, work)
            for name, _ in extra:
                os.replace(os.path.join(staging, name), os.path.join(work, name))
            self.set_perms(work, fileperms=SUBMISSION_FILE_MODE, dirperms=SUBMISSION_DIR_MODE)
            os.rename(work, dest_path)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

        # The student's own cache (in their home folder, which is 0700), as nbgrader does.
        if not os.path.isdir(self.cache_path):
            os.makedirs(self.cache_path)
        self.do_copy(self.src_path, cache_path)
        with open(os.path.join(cache_path, "timestamp.txt"), "w") as fh:
            fh.write(self.timestamp)
        with open(os.path.join(cache_path, "submission_secret.txt"), "w") as fh:
            fh.write(submission_secret)
        self.log.info("Submitted as: {} {} {}".format(
            self.coursedir.course_id, self.coursedir.assignment_id, str(self.timestamp)))


def ownership_problem(path: str, student_id: str) -> str | None:
    """Why the submission folder ``path`` is not ``student_id``'s own work, or None if it is.

    It must be a real folder (not a symbolic link) owned by the Unix account
    named ``student_id``, and so must everything inside it; nothing in it may
    be a symbolic link (collect would copy the target, read with the
    instructor's rights) or a hard link to another account's file; and all of
    it must be readable by the instructor (an unreadable file would make
    nbgrader's collect fail for the whole class).
    """
    try:
        uid = pwd.getpwnam(student_id).pw_uid
    except KeyError:
        return f"no Unix account named {student_id!r}"
    top = os.lstat(path)
    if not stat.S_ISDIR(top.st_mode):
        return "not a folder (a symbolic link or a file)"
    if top.st_uid != uid:
        return f"owned by {_user(top.st_uid)}, not by {student_id}"
    for dirpath, dirnames, filenames in os.walk(path):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            st = os.lstat(full)
            if stat.S_ISLNK(st.st_mode):
                return f"{os.path.relpath(full, path)} is a symbolic link"
            if not (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)):
                return f"{os.path.relpath(full, path)} is not a regular file"
            if st.st_uid != uid:
                return f"{os.path.relpath(full, path)} is owned by {_user(st.st_uid)}"
            if not os.access(full, os.R_OK | (os.X_OK if stat.S_ISDIR(st.st_mode) else 0)):
                # nbgrader's own collect would stop there, for the whole class
                return f"{os.path.relpath(full, path)} is not readable by the instructor"
    if not os.access(path, os.R_OK | os.X_OK):
        return "not readable by the instructor"
    return None


def _user(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


class VerifiedCollect(ExchangeCollect):
    """nbgrader's collect, taking only submissions that their named student really made.

    The check runs before nbgrader picks each student's latest submission, so a
    forged later submission can neither be graded nor hide the real one.
    """

    def init_src(self):
        super().init_src()
        # nbgrader kept one record per student (the latest); redo the choice over verified ones.
        student_id = self.coursedir.student_id if self.coursedir.student_id else "*"
        import glob
        pattern = os.path.join(self.inbound_path, "{}+{}+*".format(student_id, self.coursedir.assignment_id))
        records = [self._path_to_record(f) for f in glob.glob(pattern)]
        self.rejected = []
        kept = {}
        for rec in records:
            problem = ownership_problem(os.path.join(self.inbound_path, rec["filename"]), rec["username"])
            if problem:
                self.rejected.append(dict(rec, reason=problem))
                self.log.error("REJECTED submission %s in the name of %s: %s (not collected)",
                               rec["filename"], rec["username"], problem)
                continue
            kept.setdefault(rec["username"], []).append(rec)
        chosen = []
        for username, recs in kept.items():
            recs = self._sort_by_timestamp(recs)
            if self.duedate is not None and self.before_duedate:
                before = [r for r in recs if r["timestamp"] <= self.duedate]
                recs = before or recs
            chosen.append(recs[0])
        self.src_records = chosen
        if self.rejected:
            self._report_rejected()

    def _report_rejected(self):
        path = os.path.join(self.coursedir.root, REJECTED_FILE)
        new = not os.path.exists(path)
        with open(path, "a", newline="") as fh:
            writer = csv.writer(fh)
            if new:
                writer.writerow(["checked_at", "assignment", "claimed_student", "folder", "reason"])
            now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
            for rec in self.rejected:
                writer.writerow([now, self.coursedir.assignment_id, rec["username"],
                                 rec["filename"], rec["reason"]])
        self.log.error("%d forged submission(s) rejected; listed in %s", len(self.rejected), path)


def set_user_read_acl(path: str, uid: int) -> None:
    """Give the account ``uid`` read access to ``path`` through a POSIX access ACL.

    Written as the ``system.posix_acl_access`` extended attribute (the format
    ``setfacl`` writes), so no extra tool is needed. The owner keeps the
    mode's user bits, the group and the ACL mask get read, others nothing.
    """
    undefined = 0xFFFFFFFF
    mode = os.stat(path).st_mode
    user_bits = (mode >> 6) & 0o7
    entries = [(0x01, user_bits, undefined),       # ACL_USER_OBJ
               (0x02, 0o4, uid),                   # ACL_USER: the student, read
               (0x04, 0o4, undefined),             # ACL_GROUP_OBJ: the instructor's group, read
               (0x10, 0o4, undefined),             # ACL_MASK
               (0x20, 0o0, undefined)]             # ACL_OTHER: nothing
    value = struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in entries)
    os.setxattr(path, "system.posix_acl_access", value)


class PrivateReleaseFeedback(ExchangeReleaseFeedback):
    """nbgrader's release_feedback, with each feedback file readable by its own student only."""

    def copy_files(self):
        import glob
        import re

        excluded = set(self.coursedir.student_id_exclude.split(",")) if self.coursedir.student_id_exclude else set()
        regexp = re.escape(os.path.sep).join([
            self.coursedir.format_path(self.coursedir.feedback_directory, "(?P<student_id>.*)",
                                       self.coursedir.assignment_id, escape=True),
            "(?P<notebook_id>.*).html"])
        for html_file in glob.glob(os.path.join(self.src_path, "*.html")):
            m = re.match(regexp, html_file)
            if m is None:
                self.log.error("Could not match '%s' with regexp '%s'", html_file, regexp)
                continue
            student_id, notebook_id = m.group("student_id"), m.group("notebook_id")
            if student_id in excluded:
                continue
            try:
                uid = pwd.getpwnam(student_id).pw_uid
            except KeyError:
                self.log.error("No Unix account %r: feedback %s not released", student_id, html_file)
                continue
            folder = os.path.dirname(html_file)
            with open(os.path.join(folder, "timestamp.txt")) as fh:
                timestamp = fh.read()
            with open(os.path.join(folder, "submission_secret.txt")) as fh:
                secret = fh.read()
            checksum = notebook_hash(secret=secret, notebook_id=notebook_id)
            tmp = os.path.join(self.dest_path, "{}-tmp.html".format(checksum))
            final = os.path.join(self.dest_path, "{}.html".format(checksum))
            self.log.info("Releasing feedback for student '%s' on assignment '%s/%s/%s' (%s)",
                          student_id, self.coursedir.course_id, self.coursedir.assignment_id,
                          notebook_id, timestamp)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out, open(html_file, "rb") as src:
                shutil.copyfileobj(src, out)
            os.chmod(tmp, FEEDBACK_FILE_MODE)
            set_user_read_acl(tmp, uid)
            os.replace(tmp, final)
            self.log.info("Feedback released to: %s", final)
