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
  the real one. It is copied through file descriptors that never follow a
  link (:class:`SubmissionReader`; nbgrader checks nothing and copies with
  ``shutil``), recorded at the latest change time (ctime) of what was copied,
  which no student can set back (nbgrader trusts the time in the folder's
  name, which its owner can rename), and whatever a student leaves in
  ``inbound/`` (a name without a date, a link, a fifo, an oversized folder)
  is skipped instead of stopping the collect for the whole class. Skipped
  submissions are logged as errors and listed, CSV-injection-safe, in
  ``rejected_submissions.csv`` in the course directory.
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
import dataclasses
import datetime
import errno
import fnmatch
import os
import pwd
import re
import secrets
import shutil
import stat
import struct
import unicodedata

from dateutil.tz import gettz
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback
from nbgrader.exchange.default.submit import ExchangeSubmit
from nbgrader.utils import check_mode, notebook_hash, parse_utc
from traitlets import Integer

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


class Rejection(Exception):
    """A submission that is not collected; the message says why (for the log and the report)."""


#: A leading character that makes a spreadsheet read a cell as a formula (OWASP, "CSV
#: injection"), with the full-width forms some spreadsheets also accept.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

#: The name nbgrader's submit gives a submission: ``student+assignment+time[+random]``.
#: The student part is a Unix account name; nothing in any part may be a control character.
SUBMISSION_NAME = re.compile(r"(?P<student>[A-Za-z0-9_][A-Za-z0-9_.-]{0,31})\+(?P<assignment>[^+]+)"
                             r"\+(?P<stamp>[0-9A-Za-z :._-]{1,64})(?:\+(?P<random>[A-Za-z0-9_=-]{1,64}))?")

#: A submission whose last change comes this long after the time in its name was changed
#: after it was made (nbgrader takes that time when submit starts; copying takes seconds).
CHANGED_AFTER = datetime.timedelta(seconds=60)

_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


def printable(text: str) -> str:
    """``text`` with backslashes, control, format and undecodable characters escaped.

    Folder and file names in ``inbound/`` are chosen by students: written raw they could
    forge lines of the collect log or hide parts of themselves in the report.
    """
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def csv_cell(value) -> str:
    """``value`` as a CSV cell no spreadsheet runs as a formula: escaped, then a leading
    quote before any formula character (OWASP's advice for CSV injection)."""
    text = printable(str(value))
    if text.lstrip(" ").startswith(FORMULA_LEADS):
        text = "'" + text
    return text


def parse_submission_name(name: str, assignment_id: str) -> tuple[str, datetime.datetime]:
    """``(student, time in the name)`` of an inbound folder ``name``, or :class:`Rejection`."""
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") or ch in "\\/" for ch in name):
        raise Rejection("a control character or a path separator in its name")
    m = SUBMISSION_NAME.fullmatch(name)
    if m is None or m["assignment"] != assignment_id:
        raise Rejection("its name is not student+assignment+time+random in letters, digits "
                        "and ' :._-' (the name nbgrader's submit gives)")
    try:
        claimed = parse_utc(m["stamp"])
    except (ValueError, OverflowError):
        raise Rejection(f"no date in its name ({printable(m['stamp'])})") from None
    return m["student"], claimed


def _user(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _utc(ns: int) -> datetime.datetime:
    """A ``st_ctime_ns`` as a naive UTC datetime (nbgrader's gradebook convention)."""
    return datetime.datetime.fromtimestamp(ns / 1e9, datetime.timezone.utc).replace(tzinfo=None)


@dataclasses.dataclass
class Limits:
    """What one submission may hold (nbgrader's ``CourseDirectory`` settings and two of ours)."""

    file_bytes: int        #: larger files are left out with a warning, as nbgrader's copy does
    total_bytes: int       #: a larger submission is not collected (nbgrader's copy stops there)
    entries: int           #: files and folders, at most
    depth: int             #: folders inside folders, at most
    exclude: list          #: nbgrader's ``CourseDirectory.ignore`` globs
    include: list          #: nbgrader's ``CourseDirectory.include`` globs


class SubmissionReader:
    """Reads one student's folder in ``inbound/`` without following a link or trusting a path.

    Every file and folder is opened relative to its already-open parent
    (``dir_fd``) with ``O_NOFOLLOW`` (and ``O_NONBLOCK``, so a fifo or a lease
    cannot make collect wait), and is checked on the open descriptor
    (``fstat``): a regular file or a folder, owned by the student, on the same
    file system, the same inode as listed. What is copied is what those
    descriptors read, so swapping anything for a link between a check and the
    copy gains nothing: the student can only hand in files she owns.

    :meth:`read` returns the latest change time (ctime) of everything it read.
    No user can set a ctime (only the kernel does, to "now", on every change,
    rename or ``utime``), so it is a submission time the student cannot set back.
    """

    def __init__(self, inbound_fd: int, uid: int, limits: Limits, log):
        self.inbound_fd = inbound_fd
        self.uid = uid
        self.limits = limits
        self.log = log
        self.device = os.fstat(inbound_fd).st_dev

    def read(self, name: str, dest_fd: int | None = None) -> int:
        """Check (and, given ``dest_fd``, copy into it) the submission ``name``; its latest ctime."""
        self.entries = 0
        self.total = 0
        fd, _ = self._open(self.inbound_fd, name, "", top=True)
        try:
            return self._folder(fd, "", dest_fd, 0)
        finally:
            os.close(fd)

    # -- one entry -----------------------------------------------------------------------------------
    def _open(self, dir_fd: int, name: str, rel: str, top: bool = False):
        """Open ``name`` in ``dir_fd`` without following a link; check it; ``(fd, fstat)``."""
        what = "it" if top else printable(rel)
        try:
            st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            raise Rejection(f"{what} vanished while it was being collected") from None
        self._check(st, rel, top)
        flags = _READ_FLAGS | (os.O_DIRECTORY if stat.S_ISDIR(st.st_mode) else 0)
        try:
            fd = os.open(name, flags, dir_fd=dir_fd)
        except OSError as e:
            if e.errno in (errno.EACCES, errno.EPERM):
                raise Rejection(("not readable by the instructor" if top else
                                 f"{what} is not readable by the instructor")) from None
            if e.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                raise Rejection(f"{what} is held by a lease (its owner blocks reading it)") from None
            raise Rejection(f"{what} was swapped for a link or another file while it was being "
                            f"collected ({errno.errorcode.get(e.errno, e.errno)})") from None
        fst = os.fstat(fd)
        if (fst.st_dev, fst.st_ino) != (st.st_dev, st.st_ino):
            os.close(fd)
            raise Rejection(f"{what} was swapped for another file while it was being collected")
        try:
            self._check(fst, rel, top)
        except Rejection:
            os.close(fd)
            raise
        return fd, fst

    def _check(self, st: os.stat_result, rel: str, top: bool) -> None:
        what = "it" if top else printable(rel)
        if stat.S_ISLNK(st.st_mode):
            raise Rejection("not a folder (a symbolic link)" if top else f"{what} is a symbolic link")
        if top and not stat.S_ISDIR(st.st_mode):
            raise Rejection("not a folder (a file, fifo, socket or device)")
        if not (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)):
            raise Rejection(f"{what} is not a regular file (a fifo, socket or device)")
        if st.st_uid != self.uid:
            raise Rejection(f"owned by {_user(st.st_uid)}, not by {_user(self.uid)}" if top else
                            f"{what} is owned by {_user(st.st_uid)}")
        if st.st_dev != self.device:
            raise Rejection(f"{what} is on another file system (a mount)")

    # -- a folder and a file -------------------------------------------------------------------------
    def _folder(self, fd: int, rel: str, dest_fd: int | None, depth: int) -> int:
        if depth > self.limits.depth:
            raise Rejection(f"{printable(rel)} is more than {self.limits.depth} folders deep")
        latest = 0
        with os.scandir(fd) as listing:
            names = []
            for entry in listing:
                names.append(entry.name)
                self.entries += 1
                if self.entries > self.limits.entries:
                    raise Rejection(f"more than {self.limits.entries} files and folders "
                                    "(VerifiedCollect.max_entries)")
        for name in sorted(names):
            sub = os.path.join(rel, name)
            if any(unicodedata.category(ch) in ("Cc", "Cs") or ch == "\\" for ch in name):
                raise Rejection(f"{printable(sub)}: a control character or backslash in a name")
            if self.limits.exclude and any(fnmatch.fnmatch(name, g) for g in self.limits.exclude):
                self.log.debug("Ignoring excluded file %s (CourseDirectory.ignore)", printable(sub))
                continue
            try:
                st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                raise Rejection(f"{printable(sub)} vanished while it was being collected") from None
            if stat.S_ISREG(st.st_mode) and not self._wanted(st, sub):
                continue
            child, cst = self._open(fd, name, sub)
            try:
                if stat.S_ISDIR(cst.st_mode):
                    child_dest = None
                    if dest_fd is not None:
                        os.mkdir(name, 0o777, dir_fd=dest_fd)
                        child_dest = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
                                             | os.O_CLOEXEC, dir_fd=dest_fd)
                    try:
                        latest = max(latest, self._folder(child, sub, child_dest, depth + 1))
                    finally:
                        if child_dest is not None:
                            os.close(child_dest)
                else:
                    latest = max(latest, self._file(child, cst, name, sub, dest_fd))
            finally:
                os.close(child)
        # The folder's own change time, taken after listing it: a later rename, addition or
        # removal inside shows here even if the file it concerned is gone.
        return max(latest, os.fstat(fd).st_ctime_ns)

    def _wanted(self, st: os.stat_result, rel: str) -> bool:
        """nbgrader's own rules for files: ``include`` globs and ``max_file_size``."""
        name = os.path.basename(rel)
        if self.limits.include and not any(fnmatch.fnmatch(name, g) for g in self.limits.include):
            self.log.debug("Ignoring non included file %s (CourseDirectory.include)", printable(rel))
            return False
        if st.st_size > self.limits.file_bytes:
            self.log.warning("Ignoring file too large %s (CourseDirectory.max_file_size)", printable(rel))
            return False
        return True

    def _file(self, fd: int, st: os.stat_result, name: str, rel: str, dest_fd: int | None) -> int:
        """Count (and copy) one open regular file, at most ``file_bytes`` of it; its ctime after."""
        budget = self.limits.file_bytes
        if dest_fd is None:
            self._count(st.st_size)
            return st.st_ctime_ns
        out = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                      0o666, dir_fd=dest_fd)
        try:
            while True:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                budget -= len(chunk)
                if budget < 0:
                    raise Rejection(f"{printable(rel)} grew past CourseDirectory.max_file_size "
                                    "while it was being collected")
                self._count(len(chunk))
                view = memoryview(chunk)
                while view:
                    view = view[os.write(out, view):]
        finally:
            os.close(out)
        return os.fstat(fd).st_ctime_ns

    def _count(self, size: int) -> None:
        self.total += size
        if self.total > self.limits.total_bytes:
            raise Rejection(f"bigger than CourseDirectory.max_dir_size "
                            f"({self.limits.total_bytes // 1000} kB)")


class VerifiedCollect(ExchangeCollect):
    """nbgrader's collect, taking only submissions their named student really made, at a
    time she cannot set back, and finishing whatever a student puts in ``inbound/``.

    * Every entry of ``inbound/`` named for the assignment is checked: its name
      must be nbgrader's (``student+assignment+time+random``, no control
      characters), the student a Unix account, and the folder and everything in
      it that account's own regular files and folders (see
      :class:`SubmissionReader`). Anything else (a forgery in another
      student's name, a name without a date, a link, a fifo, a folder over
      ``max_dir_size``, one the instructor cannot read) is skipped, logged as
      ``REJECTED`` and listed in ``rejected_submissions.csv``; the collect
      goes on with the others, and takes the student's previous good
      submission if she has one.
    * A submission's time is the latest ctime of what was copied (a time no
      user can set back), not the time in its name or ``timestamp.txt`` (both
      the student's to change). It picks the latest submission, meets the due
      date, and is what the collected ``timestamp.txt`` (read by autograde
      into the gradebook) says. A submission changed after it was made is
      therefore recorded at its last change, and the log says so.
    * The copy is made through file descriptors (:class:`SubmissionReader`),
      into a private folder renamed into ``submitted/`` when complete.
    """

    max_entries = Integer(10000, help="Most files and folders one submission may hold; "
                          "a submission with more is not collected.").tag(config=True)
    max_depth = Integer(20, help="Deepest folder nesting one submission may have; "
                        "a deeper one is not collected.").tag(config=True)

    def _limits(self) -> Limits:
        cd = self.coursedir
        return Limits(file_bytes=1000 * cd.max_file_size, total_bytes=1000 * cd.max_dir_size,
                      entries=self.max_entries, depth=self.max_depth,
                      exclude=list(cd.ignore or []), include=list(cd.include or []))

    def _path_to_record(self, path):
        """Never used to pick a submission here; kept failing softly for callers of the base class."""
        name = os.path.basename(path)
        student, claimed = parse_submission_name(name, self.coursedir.assignment_id)
        return {"username": student, "filename": name, "timestamp": claimed}

    def _open_inbound(self) -> int:
        return os.open(self.inbound_path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)

    def init_src(self):
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail("Course not found: {}".format(self.inbound_path))
        if not check_mode(self.inbound_path, read=True, execute=True):
            self.fail("You don't have read permissions for the directory: {}".format(self.inbound_path))
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            try:
                self.duedate = gb.find_assignment(self.coursedir.assignment_id).duedate
            except MissingEntry:
                self.duedate = None
        self.rejected = []
        self.candidates = {}
        pattern = "{}+{}+*".format(self.coursedir.student_id or "*", self.coursedir.assignment_id)
        limits = self._limits()
        inbound_fd = self._open_inbound()
        try:
            for name in sorted(os.listdir(inbound_fd)):
                # nbgrader's glob: hidden names (submit's staging folders) are not submissions
                if name.startswith(".") or not fnmatch.fnmatchcase(name, pattern):
                    continue
                rec = self._inspect(inbound_fd, name, limits)
                if rec is not None:
                    self.candidates.setdefault(rec["username"], []).append(rec)
        finally:
            os.close(inbound_fd)
        self.src_records = [self._in_order(recs)[0] for recs in self.candidates.values()]

    def _inspect(self, inbound_fd: int, name: str, limits: Limits) -> dict | None:
        """The record of one inbound entry (its trusted time from a first look), or None if rejected."""
        claimed_student = name.split("+{}+".format(self.coursedir.assignment_id), 1)[0]
        try:
            student, claimed = parse_submission_name(name, self.coursedir.assignment_id)
            claimed_student = student
            try:
                uid = pwd.getpwnam(student).pw_uid
            except KeyError:
                raise Rejection(f"no Unix account named {student!r}") from None
            latest = SubmissionReader(inbound_fd, uid, limits, self.log).read(name)
        except Rejection as e:
            self._reject(name, claimed_student, str(e))
            return None
        except Exception as e:                    # whatever it is, it must not stop the others
            self._reject(name, claimed_student, f"could not be read ({type(e).__name__}: {e})")
            return None
        return {"username": student, "filename": name, "claimed": claimed, "uid": uid,
                "timestamp": _utc(latest)}

    def _in_order(self, recs: list[dict]) -> list[dict]:
        """A student's submissions in the order to try them: latest first, and with
        ``before_duedate`` those on time before the late ones (nbgrader's rule)."""
        recs = self._sort_by_timestamp(recs)
        if self.duedate is not None and self.before_duedate:
            recs = [r for r in recs if r["timestamp"] <= self.duedate] + \
                   [r for r in recs if r["timestamp"] > self.duedate]
        return recs

    def copy_files(self):
        assignment = self.coursedir.assignment_id
        if not self.candidates:
            self.log.warning("No submissions of '%s' for course '%s' to collect",
                             assignment, self.coursedir.course_id)
        else:
            self.log.info("Processing %d students' submissions of '%s' for course '%s'",
                          len(self.candidates), assignment, self.coursedir.course_id)
        limits = self._limits()
        inbound_fd = self._open_inbound()
        try:
            for student in sorted(self.candidates):
                for rec in self._in_order(self.candidates[student]):
                    try:
                        self._collect(inbound_fd, rec, limits)
                    except Rejection as e:
                        self._reject(rec["filename"], student, str(e))
                        continue                      # her previous submission, if any
                    except Exception as e:
                        self._reject(rec["filename"], student,
                                     f"could not be collected ({type(e).__name__}: {e})")
                        continue
                    break
        finally:
            os.close(inbound_fd)
        if self.rejected:
            self._report_rejected()

    def _collect(self, inbound_fd: int, rec: dict, limits: Limits) -> None:
        """Copy one submission into ``submitted/`` if nbgrader's update rules want it."""
        student, assignment = rec["username"], self.coursedir.assignment_id
        dest_path = self.coursedir.format_path(self.coursedir.submitted_directory, student, assignment)
        if os.path.isdir(dest_path):
            existing = self.coursedir.get_existing_timestamp(dest_path)
            new = rec["timestamp"]
            if not ((self.update and (existing is None or new > existing))
                    or (self.before_duedate and existing != new)):
                self.log.info("%s: %s %s", "No newer submission to collect" if self.update else
                              "Submission already exists, use --update to update", student, assignment)
                return
        parent = os.path.dirname(dest_path)
        os.makedirs(parent, exist_ok=True)
        staging = os.path.join(parent, ".{}.collecting-{}".format(assignment, secrets.token_hex(8)))
        os.mkdir(staging, 0o777)
        try:
            dest_fd = os.open(staging, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            try:
                latest = SubmissionReader(inbound_fd, rec["uid"], limits, self.log).read(
                    rec["filename"], dest_fd)
            finally:
                os.close(dest_fd)
            recorded = self._write_time(staging, latest)
            if self.coursedir.groupshared:
                self._share(staging)
            if os.path.isdir(dest_path):
                self.log.info("Updating submission: %s %s", student, assignment)
                shutil.rmtree(dest_path)
            else:
                self.log.info("Collecting submission: %s %s", student, assignment)
            os.rename(staging, dest_path)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        if recorded - rec["claimed"] > CHANGED_AFTER:
            self.log.warning("%s was changed after it was submitted: recorded at its last change, "
                             "%s UTC (its name says %s UTC)", printable(rec["filename"]), recorded,
                             rec["claimed"])

    def _write_time(self, folder: str, ctime_ns: int) -> datetime.datetime:
        """Write the trusted time as the collected ``timestamp.txt`` (nbgrader's format); return it."""
        tz = gettz(self.timezone)
        if tz is None:
            self.fail("Invalid timezone: {}".format(self.timezone))
        text = datetime.datetime.fromtimestamp(ctime_ns / 1e9, tz).strftime(self.timestamp_format)
        with open(os.path.join(folder, "timestamp.txt"), "w") as fh:
            fh.write(text)
        return parse_utc(text)

    @staticmethod
    def _share(folder: str) -> None:
        """nbgrader's group-shared modes (``CourseDirectory.groupshared``) on a collected copy."""
        for dirpath, _, files in os.walk(folder):
            os.chmod(dirpath, (os.stat(dirpath).st_mode | 0o2770) & 0o2777)
            for f in files:
                path = os.path.join(dirpath, f)
                os.chmod(path, (os.stat(path).st_mode | 0o660) & 0o777)

    def _reject(self, name: str, student: str, reason: str) -> None:
        self.rejected.append({"filename": name, "username": student, "reason": reason})
        self.log.error("REJECTED submission %s in the name of %s: %s (not collected)",
                       printable(name), printable(student), reason)

    def _report_rejected(self):
        path = os.path.join(self.coursedir.root, REJECTED_FILE)
        new = not os.path.exists(path)
        with open(path, "a", newline="") as fh:
            writer = csv.writer(fh)
            if new:
                writer.writerow(["checked_at", "assignment", "claimed_student", "folder", "reason"])
            now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
            for rec in self.rejected:
                writer.writerow([csv_cell(x) for x in (now, self.coursedir.assignment_id,
                                                         rec["username"], rec["filename"], rec["reason"])])
        self.log.error("%d submission(s) not collected; listed in %s", len(self.rejected), path)

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
