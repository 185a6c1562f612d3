from __future__ import annotations

import pytest

from service.settings import Settings, SettingsError

STRONG = "lXhNLt-IXCnlk5-_jz56T89XL1n2xWmAQ1itJFshLBw"  # secrets.token_urlsafe(32)


def test_defaults_work_on_a_laptop(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.email_backend == "outbox"
    assert settings.timezone == "Asia/Tokyo"
    assert len(settings.secret_key) >= 32


def test_sendgrid_is_chosen_when_its_key_is_set():
    settings = Settings.from_env({"SENDGRID_API_KEY": "SG.x", "SECRET_KEY": "k" * 40})
    assert settings.email_backend == "sendgrid"


@pytest.mark.parametrize(
    "env",
    [
        {"APP_ENV": "production", "PUBLIC_BASE_URL": "https://yorisou.city.example.jp"},
        {
            "APP_ENV": "production",
            "SECRET_KEY": "change-me",
            "PUBLIC_BASE_URL": "https://yorisou.city.example.jp",
        },
        {"APP_ENV": "production", "SECRET_KEY": STRONG},  # no https address
        *(
            {"APP_ENV": "production", "SECRET_KEY": weak, "PUBLIC_BASE_URL": "https://y.jp"}
            for weak in (
                "a" * 32,
                "x" * 40,
                "abcdefghijklmnopqrstuvwxyz0123456789",
                "aoba-city-yorisou-production-2026",
                "passwordpasswordpasswordpassword",
            )
        ),
        {  # no SUPPRESSION_KEY
            "APP_ENV": "production",
            "SECRET_KEY": STRONG,
            "PUBLIC_BASE_URL": "https://yorisou.city.example.jp",
        },
        {  # the same key twice
            "APP_ENV": "production",
            "SECRET_KEY": STRONG,
            "SUPPRESSION_KEY": STRONG,
            "PUBLIC_BASE_URL": "https://yorisou.city.example.jp",
        },
        {  # the encryption key is the signing key
            "APP_ENV": "production",
            "SECRET_KEY": STRONG,
            "SUPPRESSION_KEY": "Wc1R7-yqQ2m0ZbVfJx8pLk3sT6uN9aEeHdGiOo4rYtC",
            "ENCRYPTION_KEY": f"Pz8Lq2-Vn4Rt6Yb0Wc1Xs3Ka5Hd7Jf9Mg,{STRONG}",
            "PUBLIC_BASE_URL": "https://yorisou.city.example.jp",
        },
        {"APP_ENV": "staging"},
        {"EMAIL_BACKEND": "sendgrid"},
        {"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t"},  # no account id
        {
            "LINE_CHANNEL_SECRET": "s",
            "LINE_CHANNEL_ACCESS_TOKEN": "t",
            "LINE_ACCOUNT_ID": "https://lin.ee/abc",  # the ID is wanted, not a URL
        },
    ],
)
def test_what_cannot_run_is_refused_with_a_reason(env):
    with pytest.raises(SettingsError):
        Settings.from_env(env)


def test_production_with_a_secret_and_a_public_url():
    settings = Settings.from_env(
        {
            "APP_ENV": "production",
            "SECRET_KEY": STRONG,
            "SUPPRESSION_KEY": "Wc1R7-yqQ2m0ZbVfJx8pLk3sT6uN9aEeHdGiOo4rYtC",
            "PUBLIC_BASE_URL": "https://yorisou.city.example.jp/",
        }
    )
    assert settings.production and settings.public_base_url == "https://yorisou.city.example.jp"


def test_line_is_on_only_with_all_its_settings():
    assert not Settings.from_env({"SECRET_KEY": "k" * 40}).line_enabled
    settings = Settings.from_env(
        {
            "SECRET_KEY": "k" * 40,
            "LINE_CHANNEL_SECRET": "s",
            "LINE_CHANNEL_ACCESS_TOKEN": "t",
            "LINE_ACCOUNT_ID": "@123abcde",
        }
    )
    assert settings.line_enabled and settings.line_api_host == "https://api.line.me"


def test_web_push_with_an_http_base_url_is_refused_at_start_up():
    """FCM refuses every notification whose link is not https: say so now, not per delivery."""
    env = {"SECRET_KEY": "k" * 40, "FIREBASE_CREDENTIALS": "/etc/yorisou/firebase.json"}
    with pytest.raises(SettingsError, match="https PUBLIC_BASE_URL"):
        Settings.from_env(env)
    https = Settings.from_env({**env, "PUBLIC_BASE_URL": "https://yorisou.city.example.jp"})
    assert https.firebase_credentials
