"""Configuration from the environment, with safe defaults."""

import pytest

from app import config


def test_production_refuses_to_start_without_a_secret_key():
    with pytest.raises(config.ConfigError, match="SECRET_KEY"):
        config.load({"APP_ENV": "production"})


def test_production_is_the_default():
    with pytest.raises(config.ConfigError):
        config.load({})


def test_development_generates_a_key_once_and_keeps_it(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "INSTANCE", tmp_path)
    first = config.load({"APP_ENV": "development"})["SECRET_KEY"]
    second = config.load({"APP_ENV": "development"})["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("given, used", [
    ("postgres://u:p@db/x", "postgresql+psycopg://u:p@db/x"),
    ("postgresql://u@db/x", "postgresql+psycopg://u@db/x"),
    ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
])
def test_database_url_from_the_environment(given, used):
    assert config.database_url({"DATABASE_URL": given}) == used



def test_mail_settings_use_flask_mails_names():
    settings = config.load({"APP_ENV": "testing", "SECRET_KEY": "x", "MAIL_SERVER": "smtp.example",
                            "MAIL_PORT": "587", "MAIL_USE_TLS": "true"})
    assert (settings["MAIL_SERVER"], settings["MAIL_PORT"], settings["MAIL_USE_TLS"]) == ("smtp.example", 587, True)


def test_an_unknown_app_env_is_refused():
    with pytest.raises(config.ConfigError, match="APP_ENV"):
        config.load({"APP_ENV": "staging", "SECRET_KEY": "x"})


def test_the_flask_command_in_a_checkout_runs_in_development():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in {"APP_ENV", "SECRET_KEY", "FLASK_APP"}}
    result = subprocess.run([sys.executable, "-m", "flask", "routes"], cwd=config.ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "countries.show" in result.stdout


def test_production_cookies_are_secure_http_only_and_same_site():
    settings = config.load({"APP_ENV": "production", "SECRET_KEY": "k" * 32, "PUBLIC_URL": "https://moratorium.example"})
    assert settings["SESSION_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SECURE"]
    assert settings["SESSION_COOKIE_HTTPONLY"] and settings["REMEMBER_COOKIE_HTTPONLY"]
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_refuses_to_start_without_its_public_address():
    with pytest.raises(config.ConfigError, match="PUBLIC_URL is not set"):
        config.load({"APP_ENV": "production", "SECRET_KEY": "k" * 32})
    settings = config.load({"APP_ENV": "production", "SECRET_KEY": "k" * 32, "PUBLIC_URL": "https://moratorium.example/"})
    assert settings["PUBLIC_URL"] == "https://moratorium.example"


@pytest.mark.parametrize("url", ["moratorium.example", "ftp://moratorium.example", "https://", "https://x.example/?a=1",
                                 "javascript:alert(1)"])
def test_a_public_address_that_is_not_one_is_refused(url):
    with pytest.raises(config.ConfigError, match="PUBLIC_URL must be an http"):
        config.load({"APP_ENV": "development", "PUBLIC_URL": url})


class Asked(dict):
    """An environment that remembers every name the configuration asks it for."""

    def __init__(self, values):
        super().__init__(values)
        self.names = set()

    def get(self, name, default=None):
        self.names.add(name)
        return super().get(name, default)

    def __getitem__(self, name):
        self.names.add(name)
        return super().__getitem__(name)

    def __contains__(self, name):
        self.names.add(name)
        return super().__contains__(name)


def test_the_production_sample_names_every_setting_production_reads():
    from tests.test_production import sample_settings

    settings = sample_settings()
    environment = Asked({**settings, "SECRET_KEY": "made by make production from secrets.token_hex"})
    config.load(environment)
    assert environment.names - set(settings) == set()
