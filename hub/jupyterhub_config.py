"""JupyterHub configuration for a class taking initlab through nbgrader (see INSTRUCTORS.md).

One machine, one Unix account per student and one for the instructor, each
user's server started as that account (LocalProcessSpawner) from the shared
environment that ``python3 tasks.py hub`` installs (PREFIX/venv: the learner
requirements, nbgrader, JupyterHub, the course package and the exchange module
``initlab_exchange``). ``hub/classroom.py`` makes everything this file refers
to under CLASS_DIR (exchange, per-role Jupyter configuration, roster,
password); ``python3 tasks.py hub`` and ``tests/test_hub.py`` run exactly this
file, with the paths below passed in through the environment.

To copy it for a class: set the four values at the top (or the environment
variables), replace the shared-password authenticator with your institution's
login (LTI from the LMS, or OAuth; INSTRUCTORS.md), and run
``jupyterhub -f jupyterhub_config.py`` as root from PREFIX/venv/bin.
"""

import os

from jupyterhub.spawner import LocalProcessSpawner

from course_utils.settings import setting

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

PREFIX = str(setting("INITLAB_HUB_PREFIX"))    # venv/ and proxy/ (tasks.py)
CLASS_DIR = str(setting("INITLAB_HUB_CLASS_DIR"))  # exchange/, etc/, roster
INSTRUCTOR = setting("INITLAB_HUB_INSTRUCTOR")
PORT = setting("INITLAB_HUB_PORT")               # the only public port
VENV = os.path.join(PREFIX, "venv")


def roster() -> set:
    """The students' Unix account names, one a line in CLASS_DIR/students.txt."""
    with open(os.path.join(CLASS_DIR, "students.txt")) as fh:
        return {line.strip() for line in fh if line.strip() and not line.startswith("#")}


# -- network: everything on the loopback interface; a reverse proxy with TLS in front for a class
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = PORT
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = setting("INITLAB_HUB_HUB_PORT")
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{}".format(
    setting("INITLAB_HUB_PROXY_API_PORT"))
c.ConfigurableHTTPProxy.command = [
    os.path.join(PREFIX, "proxy", "node_modules", ".bin", "configurable-http-proxy")]
c.JupyterHub.db_url = "sqlite:///" + os.path.join(CLASS_DIR, "hub", "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(CLASS_DIR, "hub", "jupyterhub_cookie_secret")

# -- who may log in: the roster and the instructor. The shared password is for a demo or a test;
# a class logs in through its LMS (LTI 1.3: ltiauthenticator) or its identity provider (OAuth:
# oauthenticator), see INSTRUCTORS.md. Either way the hub user name must be the Unix account.
c.JupyterHub.authenticator_class = "shared-password"
with open(os.path.join(CLASS_DIR, "hub", "password")) as _fh:
    c.SharedPasswordAuthenticator.user_password = _fh.read().strip()
c.Authenticator.allowed_users = roster() | {INSTRUCTOR}


# -- servers: one process per user, as that user, with umask 077
class ClassSpawner(LocalProcessSpawner):
    """LocalProcessSpawner whose servers create private files (umask 077).

    Everything a student writes (notebooks, checkpoints, nbgrader's cache with
    the submission secret) is theirs alone even outside their 0700 home.
    """

    def make_preexec_fn(self, name):
        become_user = super().make_preexec_fn(name)

        def preexec():
            become_user()
            os.umask(0o077)

        return preexec


c.JupyterHub.spawner_class = ClassSpawner
c.Spawner.cmd = [os.path.join(VENV, "bin", "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180


def role_environment(spawner):
    """The student or instructor Jupyter configuration, chosen by user name.

    CLASS_DIR/etc/common holds the global nbgrader_config.py (exchange root,
    course id, the exchange classes); CLASS_DIR/etc/student switches off
    nbgrader's instructor extensions (formgrader, create assignment, course
    list) for students; CLASS_DIR/etc/instructor keeps them.
    """
    role = "instructor" if spawner.user.name == INSTRUCTOR else "student"
    spawner.environment = dict(
        spawner.environment,
        PATH=os.path.join(VENV, "bin") + ":/usr/local/bin:/usr/bin:/bin",
        JUPYTER_CONFIG_PATH=os.pathsep.join([os.path.join(CLASS_DIR, "etc", role),
                                             os.path.join(CLASS_DIR, "etc", "common")]),
    )


c.Spawner.pre_spawn_hook = role_environment
