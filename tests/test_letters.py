"""Letters to legislators through a real SMTP server: language, Reply-To, confirmation, caps."""

import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.letters import services as letter_services
from app.letters.models import Legislator, Letter, LetterDelivery
from app.outbox.models import MessageState, OutboxMessage
from app.outbox.services import work
from app.petitions.models import DriveText
from tests.helpers import (
    LEGISLATORS,
    LETTER_DRIVE_YAML,
    WRITER,
    axe_violations,
    body,
    csrf_from,
    deliver,
    link,
    press,
    prove,
    run_together,
    serve,
    sign,
    write,
)
from tests.helpers import set_drive as petition_drive

TARGETS = {"anna@riksdagen.example", "li@riksdagen.example", "cecilia@riksdagen.example"}


def set_drive(app, tmp_path, state, verb):
    """The petition tests' drive file writer, with letters_app's drive (it has letters)."""
    petition_drive(app, tmp_path, state, verb, yaml=LETTER_DRIVE_YAML)


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def confirm_path(message):
    return re.search(r"http://moratorium\.test(/[\w-]+/letters/confirm/\S+)", body(message)).group(1)


def test_each_target_gets_one_mail_in_their_language_with_the_writer_to_reply_to(letters_app, inbox):
    client = letters_app.test_client()
    prove(client)
    response = write(client)
    assert response.status_code == 303 and response.headers["Location"].endswith("/letter/sent?status=queued")
    deliver(letters_app)
    assert {m["To"] for m in inbox.messages} == TARGETS  # the inactive member gets nothing
    assert len(inbox.messages) == 3
    for message in inbox.messages:
        assert message["Reply-To"] == WRITER
        assert message["From"] == letters_app.config["MAIL_DEFAULT_SENDER"]
    [anna] = inbox.to("anna@riksdagen.example")  # Swedish: the drive has none, so its main language
    assert anna["Subject"] == "A letter from Wang Fang"
    assert body(anna) == ("Dear Dr Anna Andersson,\n\nPlease support a moratorium in Sweden.\n\n"
                          "My brother lives in Stockholm.\n\nYours, Wang Fang ()\n")
    [li] = inbox.to("li@riksdagen.example")  # "zh" is Simplified Chinese, which the drive has
    assert li["Subject"] == "Wang Fang的来信"
    assert body(li).startswith("尊敬的Li Wei：\n\n请支持瑞典暂停引渡。")
    assert "My brother lives in Stockholm." in body(li)  # the template leaves it out: it goes at the end
    [cecilia] = inbox.to("cecilia@riksdagen.example")
    assert cecilia["Subject"] == "A letter from Wang Fang"

    api = client.get("/api/v1/drives/sweden-2026").get_json()
    assert api["letters_sent"] == 3
    # One letter per legislator is one writer of their region: withheld (tests/test_disclosure.py).
    assert {person["id"]: person["letters_sent"] for person in api["legislators"]} == {"mp-1": None, "mp-2": None,
                                                                                        "mp-3": None}
    drive_page = client.get("/en/drives/sweden-2026").get_data(as_text=True)
    assert "3 letters sent to legislators so far." in drive_page
    assert '<tr><th scope="row">Li Wei</th><td>M</td><td>fewer than 5</td></tr>' in drive_page
    assert '<td>fewer than 5</td></tr>' in client.get("/en/drives/sweden-2026/letter").get_data(as_text=True)


def test_letters_wait_for_the_address_to_be_confirmed(letters_app, inbox):
    client = letters_app.test_client()
    response = write(client, locale="zh-hans")
    assert response.headers["Location"].endswith("/letter/sent?status=held")
    deliver(letters_app)
    [ask] = inbox.messages  # only the question to the writer, in the writer's language
    assert ask["To"] == WRITER and ask["Subject"] == "请确认您的信件：瑞典，请宣布暂停向中国引渡"
    confirm = re.search(r"http://moratorium\.test(/zh-hans/letters/confirm/\S+)", body(ask)).group(1)
    client.get(confirm)  # a link scanner's GET sends nothing
    deliver(letters_app)
    assert len(inbox.messages) == 1 and count(letters_app, OutboxMessage) == 1

    stranger = letters_app.test_client()  # the button works from any browser: the mailbox is the proof
    assert "My brother lives in Stockholm." in stranger.get(confirm).get_data(as_text=True)  # what it confirms
    assert "谢谢：您写给3位议员的信件正在发送。" in press(stranger, confirm).get_data(as_text=True)
    deliver(letters_app)
    assert {m["To"] for m in inbox.messages[1:]} == TARGETS
    assert "已经确认" in press(stranger, confirm).get_data(as_text=True)
    deliver(letters_app)
    assert len(inbox.messages) == 4  # pressing again sends nothing twice

    # That browser now writes from the confirmed address without another mail (and Cecilia,
    # in Skåne, already has this writer's letter).
    assert write(stranger, region="Skåne").headers["Location"].endswith("status=already")


def test_the_question_to_a_writer_whose_letter_is_gone_is_never_sent(letters_app, inbox):
    write(letters_app.test_client())
    with letters_app.app_context():
        queued = db.session.scalar(select(OutboxMessage))
        assert queued.kind == "letter-confirmation" and queued.text is None  # written by the worker
        db.session.execute(Letter.__table__.delete())  # erased before the worker came round
        db.session.commit()
    deliver(letters_app)
    assert inbox.messages == []
    with letters_app.app_context():
        assert db.session.scalar(select(OutboxMessage.state)) == MessageState.DROPPED


def test_confirming_a_signature_lets_letters_leave_at_once(letters_app, inbox):
    client = letters_app.test_client()
    sign(client, email=WRITER)
    deliver(letters_app)
    [ask] = inbox.messages
    page = press(client, link(ask, "confirm")).get_data(as_text=True)
    assert "/en/drives/sweden-2026/letter" in page  # "now write to your legislators"
    assert write(client).headers["Location"].endswith("status=queued")
    deliver(letters_app)
    assert {m["To"] for m in inbox.messages[1:]} == TARGETS


def test_someone_elses_confirmed_address_does_not_send_in_their_name(letters_app, inbox):
    owner = letters_app.test_client()
    prove(owner)
    write(owner, region="Skåne")
    impostor = letters_app.test_client()
    assert write(impostor, name="Not Wang").headers["Location"].endswith("status=held")
    deliver(letters_app)
    assert [m["To"] for m in inbox.messages].count(WRITER) == 1  # the real owner is asked
    assert not [m for m in inbox.messages if "Not Wang" in m["Subject"]]


def test_each_legislator_gets_one_letter_per_person_and_drive(letters_app, inbox):
    client = letters_app.test_client()
    prove(client)
    assert write(client, region="Skåne").headers["Location"].endswith("status=queued")
    assert write(client, email=WRITER.upper()).headers["Location"].endswith("status=queued")  # the others
    again = write(client)
    assert again.headers["Location"].endswith("status=already")
    assert "do not receive your letter twice" in client.get(again.headers["Location"]).get_data(as_text=True)
    deliver(letters_app)
    assert sorted(m["To"] for m in inbox.messages) == sorted(TARGETS)
    assert count(letters_app, LetterDelivery) == 3 and count(letters_app, Letter) == 2


def test_a_held_letter_cannot_be_replaced_by_someone_elses(letters_app, inbox):
    owner, impostor = letters_app.test_client(), letters_app.test_client()
    write(owner, personal="The owner's words.")
    write(impostor, name="Wang Fang", personal="Words the owner never wrote.")
    deliver(letters_app)
    owners_mail, impostors_mail = inbox.to(WRITER)
    confirm = confirm_path(owners_mail)
    assert "The owner&#39;s words." in owner.get(confirm).get_data(as_text=True)
    assert "never wrote" in owner.get(confirm_path(impostors_mail)).get_data(as_text=True)
    press(owner, confirm)
    deliver(letters_app)
    letters = inbox.messages[2:]
    assert {m["To"] for m in letters} == TARGETS
    assert all("The owner's words." in body(m) and "never wrote" not in body(m) for m in letters)


def test_confirming_when_the_drive_no_longer_takes_letters_sends_nothing(letters_app, inbox):
    client = letters_app.test_client()
    write(client)
    deliver(letters_app)
    confirm = re.search(r"http://moratorium\.test(/en/letters/confirm/\S+)", body(inbox.messages[0])).group(1)
    with letters_app.app_context():
        for text in db.session.scalars(select(DriveText)):
            text.letter_subject = text.letter_body = None
        db.session.commit()
    assert press(client, confirm).status_code == 409
    assert count(letters_app, OutboxMessage) == 1


def test_the_confirmation_mail_carries_neither_the_writers_words_nor_their_name(letters_app, inbox):
    client = letters_app.test_client()
    write(client, name="Mallory Moneyman", personal="Cheap pills at pills.example, call +1 555 0100 now!")
    deliver(letters_app)
    [ask] = inbox.messages
    everything = body(ask) + "".join(f"{name}: {value}\n" for name, value in ask.items())
    for words in ("Mallory", "Moneyman", "pills", "555 0100"):
        assert words not in everything  # the address is unproven: no one's words reach its inbox
    assert body(ask).startswith("Hello,\n") and "shows your letter before you send it" in body(ask)
    page = client.get(confirm_path(ask)).get_data(as_text=True)  # the page behind the link shows them
    assert "Mallory Moneyman" in page and "Cheap pills at pills.example, call +1 555 0100 now!" in page


def test_an_unconfirmed_address_gets_three_confirmation_mails_then_silence(letters_app, inbox):
    def write_from(number, **fields):
        client = letters_app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"203.0.113.{number}"  # a client of its own each time
        response = write(client, personal=f"Letter {number}.", **fields)
        assert response.headers["Location"].endswith("status=held")  # the same page every time
        return client

    for number in range(6):
        write_from(number, email=WRITER.upper() if number % 2 else WRITER)
    deliver(letters_app)
    asks = inbox.to(WRITER) + inbox.to(WRITER.upper())
    assert len(asks) == 3 and len(inbox.messages) == 3
    assert count(letters_app, Letter) == 3  # the rest are neither stored nor mailed about

    press(letters_app.test_client(), confirm_path(asks[0]))  # its owner uses a link: room for one more
    write_from(6)
    write_from(7)
    deliver(letters_app)
    assert len(inbox.to(WRITER) + inbox.to(WRITER.upper())) == 4


BROKEN_TEMPLATES = [
    "{% if signer_name %}{{ signer_name * 100000000 }}{% endif %}",  # saved before the grammar: never runs
    "{% if signer_region == '' %}{{ signer_name.nope }}{% endif %}",
    "{{ drive_title }}" * 1000,  # fine to the grammar, but a letter of 28,000 characters
]


def store_letter_body(app, source):
    """A template written straight into the database, as an old one saved under laxer rules would be."""
    with app.app_context():
        for text in db.session.scalars(select(DriveText)):
            text.letter_body = source
        db.session.commit()


UNAVAILABLE = "The campaign's letter is unavailable just now, so no letter can be sent."


@pytest.mark.parametrize("source", BROKEN_TEMPLATES)
def test_a_letter_that_cannot_be_rendered_leaves_the_page_up_and_sends_nothing(letters_app, inbox, source):
    store_letter_body(letters_app, source)
    client = letters_app.test_client()
    started = time.perf_counter()
    page = client.get("/en/drives/sweden-2026/letter")
    assert time.perf_counter() - started < 2
    assert page.status_code == 200 and UNAVAILABLE in page.get_data(as_text=True)
    assert 'name="personal"' not in page.get_data(as_text=True)  # no form to fill in for nothing
    # A form kept open from before, previewed and sent, from an unproven then a proven browser.
    letter = {"csrf_token": csrf_from(client.get("/en/drives/sweden-2026").get_data(as_text=True)),
              "name": "Wang Fang", "email": WRITER, "region": "", "personal": "Words.", "accept_privacy": "y"}
    preview = client.post("/en/drives/sweden-2026/letter", data={**letter, "action": "preview"})
    assert preview.status_code == 200 and UNAVAILABLE in preview.get_data(as_text=True)
    for proven in (False, True):
        if proven:
            prove(client)
        response = client.post("/en/drives/sweden-2026/letter", data={**letter, "action": "send"})
        assert response.status_code == 503 and UNAVAILABLE in response.get_data(as_text=True)
    deliver(letters_app)
    assert inbox.messages == [] and count(letters_app, Letter) == 0


def test_a_letter_too_long_with_the_writers_words_is_not_sent(letters_app, inbox):
    store_letter_body(letters_app, "{{ personal_paragraph }}\n" * 11)  # 11 times 2,000 characters
    client = letters_app.test_client()
    prove(client)
    page = client.get("/en/drives/sweden-2026/letter").get_data(as_text=True)
    assert 'name="personal"' in page and UNAVAILABLE not in page  # no words yet: it fits
    response = write(client, personal="x" * 2000)
    assert response.status_code == 503 and UNAVAILABLE in response.get_data(as_text=True)
    deliver(letters_app)
    assert inbox.messages == [] and count(letters_app, Letter) == 0


def test_a_held_letter_whose_template_broke_since_waits_for_it_to_be_mended(letters_app, inbox):
    client = letters_app.test_client()
    write(client)
    deliver(letters_app)
    confirm = confirm_path(inbox.messages[0])
    with letters_app.app_context():
        good = db.session.scalar(select(DriveText.letter_body).where(DriveText.locale == "en"))
    store_letter_body(letters_app, BROKEN_TEMPLATES[1])
    response = press(client, confirm)
    assert response.status_code == 503 and UNAVAILABLE in response.get_data(as_text=True)
    deliver(letters_app)
    assert len(inbox.messages) == 1 and count(letters_app, LetterDelivery) == 0
    store_letter_body(letters_app, good)
    assert "on its way" in press(client, confirm).get_data(as_text=True)  # still held: it leaves now
    deliver(letters_app)
    assert {m["To"] for m in inbox.messages[1:]} == TARGETS


def test_an_expired_letter_form_comes_back_as_written(letters_app):
    client = letters_app.test_client()
    client.get("/en/drives/sweden-2026/letter")
    response = client.post("/en/drives/sweden-2026/letter", data={
        "csrf_token": "expired", "name": "Wang Fang", "email": WRITER, "region": "Skåne",
        "personal": "Words worth keeping.", "action": "send"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This form expired" in html and "Words worth keeping." in html and 'value="Wang Fang"' in html
    assert count(letters_app, Letter) == 0


@pytest.mark.postgres_only
def test_pressing_confirm_twice_at_once_sends_each_letter_once(letters_app, inbox):
    writer = letters_app.test_client()
    write(writer)
    deliver(letters_app)
    confirm = re.search(r"http://moratorium\.test(/en/letters/confirm/\S+)", body(inbox.messages[0])).group(1)
    clients = [letters_app.test_client() for _ in range(4)]
    tokens = [csrf_from(c.get(confirm).get_data(as_text=True)) for c in clients]
    statuses = []
    run_together(4, lambda i: statuses.append(clients[i].post(confirm, data={"csrf_token": tokens[i]}).status_code))
    assert statuses == [200] * 4
    deliver(letters_app)
    assert sorted(m["To"] for m in inbox.messages[1:]) == sorted(TARGETS)


@pytest.mark.postgres_only
def test_sending_twice_at_once_writes_each_legislator_once(letters_app, inbox):
    clients = [letters_app.test_client() for _ in range(4)]
    for client in clients:
        prove(client)
    pages = [c.get("/en/drives/sweden-2026/letter").get_data(as_text=True) for c in clients]
    data = {"name": "Wang Fang", "email": WRITER, "region": "", "personal": "", "accept_privacy": "y",
            "action": "send"}
    statuses = []
    run_together(4, lambda i: statuses.append(clients[i].post(
        "/en/drives/sweden-2026/letter", data={**data, "csrf_token": csrf_from(pages[i])}).headers["Location"]))
    assert sorted(s.rsplit("=", 1)[1] for s in statuses) == ["already", "already", "already", "queued"]
    deliver(letters_app)
    assert sorted(m["To"] for m in inbox.messages) == sorted(TARGETS)


@pytest.fixture
def noon(monkeypatch):
    """Letters scheduled as if it were noon today (UTC), so that an hour later is still today."""
    moment = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    monkeypatch.setattr(letter_services, "clock", lambda: moment)
    return moment


def run_outbox(app, now):
    with app.app_context():
        work(now=now)


def make_signer(app, address):
    """A confirmed signature of the drive for `address`, as signing and confirming would leave it."""
    from app.petitions.models import Drive, Signature, SignatureState

    with app.app_context():
        drive_id = db.session.scalar(select(Drive.id))
        db.session.add(Signature(drive_id=drive_id, name="Signer", email=address, email_key=address.casefold(),
                                 residence="SE", locale="en", state=SignatureState.CONFIRMED,
                                 confirmed_at=datetime.now(UTC)))
        db.session.commit()


def test_caps_defer_letters_and_deliver_them_after_the_reset(letters_app, inbox, noon):
    letters_app.config.update(LETTER_CAP_LEGISLATOR_HOUR=2, LETTER_CAP_LEGISLATOR_DAY=3)
    writers = [f"writer{i}@example.org" for i in range(5)]
    for address in writers:
        client = letters_app.test_client()
        make_signer(letters_app, address)
        prove(client, address)
        assert write(client, email=address, region="Skåne").status_code == 303
    cecilia = lambda: inbox.to("cecilia@riksdagen.example")  # noqa: E731
    run_outbox(letters_app, noon)
    assert len(cecilia()) == 2  # the hour's cap
    run_outbox(letters_app, noon + timedelta(minutes=59))
    assert len(cecilia()) == 2
    run_outbox(letters_app, noon + timedelta(hours=1))
    assert len(cecilia()) == 3  # the next hour: the day's cap is now full
    run_outbox(letters_app, noon + timedelta(hours=11))
    assert len(cecilia()) == 3
    run_outbox(letters_app, noon + timedelta(hours=12))  # midnight: a new day
    assert len(cecilia()) == 5
    assert sorted(m["Reply-To"] for m in cecilia()) == writers  # none lost, none twice
    assert count(letters_app, OutboxMessage, OutboxMessage.state != MessageState.SENT) == 0


def test_a_flood_of_letters_from_non_signers_cannot_hold_a_signers_letter_back(letters_app, inbox, noon):
    letters_app.config.update(LETTER_CAP_LEGISLATOR_HOUR=4, LETTER_CAP_LEGISLATOR_DAY=8)
    for i in range(24):  # addresses proved, but not signers of the drive
        client = letters_app.test_client()
        prove(client, f"flood{i}@example.org")
        assert write(client, email=f"flood{i}@example.org", region="Skåne").status_code == 303
    signer = letters_app.test_client()
    make_signer(letters_app, "signer@example.org")
    prove(signer, "signer@example.org")
    assert write(signer, email="signer@example.org", region="Skåne").status_code == 303
    run_outbox(letters_app, noon)
    first_hour = [m["Reply-To"] for m in inbox.to("cecilia@riksdagen.example")]
    assert "signer@example.org" in first_hour
    assert len(first_hour) == 3  # half the hour for the flood, the signer's letter beside it
    with letters_app.app_context():  # the flood waits its turn: half of each day, none lost
        assert db.session.scalar(select(func.count()).select_from(LetterDelivery).where(
            LetterDelivery.email_key.like("flood%"), LetterDelivery.legislator_id == cecilia_id())) == 24


def cecilia_id():
    return db.session.scalar(select(Legislator.id).where(Legislator.email == "cecilia@riksdagen.example"))


def test_the_writers_daily_cap_defers_to_the_next_day(letters_app, inbox, noon):
    letters_app.config.update(LETTER_CAP_VISITOR_DAY=2)
    client = letters_app.test_client()
    prove(client)
    write(client)
    run_outbox(letters_app, noon)
    assert len(inbox.messages) == 2
    run_outbox(letters_app, noon + timedelta(hours=11, minutes=59))
    assert len(inbox.messages) == 2
    run_outbox(letters_app, noon + timedelta(hours=12))
    assert len(inbox.messages) == 3 and {m["To"] for m in inbox.messages} == TARGETS


@pytest.mark.parametrize("personal", [
    "Thanks.\r\nBcc: victim@example.org\r\nSubject: spam",
    "{{ 7*7 }} {% for x in range(10) %}loop{% endfor %} {{ signer_name.__class__ }}",
    "مرحبا \u200fRTL\u200e and a flag 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
    "<script>alert(1)</script> <b>bold</b>",
])
def test_a_personal_paragraph_is_only_ever_text(letters_app, inbox, personal):
    client = letters_app.test_client()
    prove(client)
    preview = client.post("/en/drives/sweden-2026/letter", data={
        "csrf_token": csrf_from(client.get("/en/drives/sweden-2026/letter").get_data(as_text=True)),
        "name": "Wang Fang", "region": "Skåne", "personal": personal, "action": "preview"})
    assert preview.status_code == 200
    assert "<script>" not in preview.get_data(as_text=True) and "<b>bold" not in preview.get_data(as_text=True)
    write(client, region="Skåne", personal=personal)
    deliver(letters_app)
    [message] = inbox.messages
    assert message["To"] == "cecilia@riksdagen.example" and message["Bcc"] is None
    assert message["Subject"] == "A letter from Wang Fang"
    assert personal.replace("\r\n", "\n") in body(message)  # word for word, nothing evaluated


@pytest.mark.parametrize("fields, field, message", [
    ({"personal": "x" * 2001}, "personal", "to 2000 characters or fewer"),
    ({"personal": "bad\x00byte"}, "personal", "control characters"),
    ({"personal": "turn \u202eback"}, "personal", "control characters"),
    ({"personal": "escape \x1b[31m"}, "personal", "control characters"),
    ({"name": "Wang\r\nBcc: victim@example.org"}, "name", "control characters"),
    ({"email": "writer@example.org\r\nBcc: victim@example.org"}, "email", None),
    ({"region": "Atlantis"}, "region", "Please choose a region from the list."),
    ({"accept_privacy": None}, "accept_privacy", "Please accept the privacy notice"),
])
def test_bad_input_is_refused_beside_the_field_and_stores_nothing(letters_app, fields, field, message):
    client = letters_app.test_client()
    prove(client)
    response = write(client, **fields)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    if message:
        assert message in html
    assert count(letters_app, Letter) == 0 and count(letters_app, OutboxMessage) == 0


def test_the_joiners_some_scripts_need_are_kept(letters_app, inbox):
    client = letters_app.test_client()
    prove(client)
    words = "مېنىڭ ئاكام\u200cنىڭ 👩\u200d👩\u200d👧"
    write(client, region="Skåne", personal=words)
    deliver(letters_app)
    assert words in body(inbox.messages[0])


def test_the_preview_shows_a_translation_and_what_is_sent(letters_app):
    client = letters_app.test_client()
    page = client.post("/zh-hans/drives/sweden-2026/letter", data={
        "csrf_token": csrf_from(client.get("/zh-hans/drives/sweden-2026/letter").get_data(as_text=True)),
        "name": "王芳", "region": "Skåne", "personal": "", "action": "preview"}).get_data(as_text=True)
    # Cecilia reads English: the visitor reads the Chinese text, and sees the English that is sent.
    assert "尊敬的Cecilia Carlsson：" in page
    assert '<div class="letter" lang="en" dir="ltr">' in page and "Dear Cecilia Carlsson," in page
    [href] = re.findall(r'href="(mailto:[^"]+)"', page)
    assert href.startswith("mailto:cecilia@riksdagen.example?subject=A%20letter%20from%20")
    assert "Dear Cecilia Carlsson,\r\n\r\nPlease support a moratorium in Sweden." in unquote(href.replace("&amp;", "&"))


def test_a_drive_without_a_letter_has_no_letter_page(letters_app):
    with letters_app.app_context():
        for text in db.session.scalars(select(DriveText)):
            text.letter_subject = text.letter_body = None
        db.session.commit()
    client = letters_app.test_client()
    assert client.get("/en/drives/sweden-2026/letter").status_code == 404
    assert "Write to your legislators" not in client.get("/en/drives/sweden-2026").get_data(as_text=True)
    assert client.get("/api/v1/drives/sweden-2026").get_json()["legislators"] == []


def test_no_letter_page_until_there_is_someone_to_write_to(letters_app):
    with letters_app.app_context():
        db.session.execute(update(Legislator).values(active=False))
        db.session.commit()
    client = letters_app.test_client()
    assert client.get("/en/drives/sweden-2026/letter").status_code == 404
    assert "Write to your legislators" not in client.get("/en/drives/sweden-2026").get_data(as_text=True)


def test_the_drive_page_follows_a_legislator_import_at_once(letters_app, tmp_path):
    client = letters_app.test_client()
    assert "Send yours" in client.get("/en/drives/sweden-2026").get_data(as_text=True)  # now cached
    path = tmp_path / "retired.csv"
    path.write_text(LEGISLATORS.replace(",yes\n", ",no\n"), encoding="utf-8")
    result = letters_app.test_cli_runner().invoke(args=["legislators", "import", str(path)])
    assert result.exit_code == 0, result.output
    # No one is left to write to: the cached page is stale, so it is not served.
    assert "Send yours" not in client.get("/en/drives/sweden-2026").get_data(as_text=True)


def test_a_closed_drive_takes_no_more_letters(letters_app, tmp_path):
    client = letters_app.test_client()
    prove(client)
    page = client.get("/en/drives/sweden-2026/letter").get_data(as_text=True)
    set_drive(letters_app, tmp_path, "closed", "update")
    response = client.post("/en/drives/sweden-2026/letter", data={
        "csrf_token": csrf_from(page), "name": "Wang Fang", "email": WRITER, "region": "",
        "accept_privacy": "y", "action": "send"})
    assert response.status_code == 409 and "letters can no longer be sent" in response.get_data(as_text=True)
    assert count(letters_app, Letter) == 0


@pytest.mark.browser
def test_sign_confirm_then_write_in_a_browser_without_javascript(letters_app, inbox, browser):
    letters_app.config["SERVER_NAME"] = None
    with serve(letters_app) as url:
        letters_app.config["PUBLIC_URL"] = url  # links must point at the live server
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(f"{url}/en/drives/sweden-2026")
        page.get_by_label("Full name").fill("Wang Fang")
        page.get_by_label("E-mail address").fill(WRITER)
        page.get_by_label("Country of residence").select_option("SE")
        page.get_by_label("I have read the privacy notice").check()
        page.get_by_role("button", name="Sign").click()
        deliver(letters_app)
        page.goto(re.search(r"http://\S+/signatures/confirm/\S+", body(inbox.to(WRITER)[0])).group(0))
        page.get_by_role("button", name="Confirm your signature").click()
        page.get_by_role("link", name="Now write to your legislators").click()
        page.get_by_label("Your region").select_option("Stockholm")
        page.get_by_label("Full name").fill("Wang Fang")
        page.get_by_label("E-mail address").fill(WRITER)
        page.get_by_label("Your own words (optional)").fill("My family lives in Stockholm.")
        page.get_by_role("button", name="Update the preview").click()
        assert page.locator("#recipients-title").inner_text() == "It goes to 2 legislators"
        assert "My family lives in Stockholm." in page.locator(".preview").inner_text()
        assert page.get_by_role("link", name="Anna Andersson").get_attribute("href").startswith("mailto:")
        page.get_by_label("I have read the privacy notice").check()
        page.get_by_role("button", name="Send my letter").click()
        assert "on its way" in page.locator("main").inner_text()
        deliver(letters_app)
        assert {m["To"] for m in inbox.messages[1:]} == {"anna@riksdagen.example", "li@riksdagen.example"}
        context.close()
        # The letter page passes axe-core: as first seen, and previewed with errors showing.
        scripted = browser.new_context()
        page = scripted.new_page()
        page.goto(f"{url}/zh-hans/drives/sweden-2026/letter")
        assert axe_violations(page) == []
        page.locator("textarea").fill("x" * 2001)
        page.locator("button[value=send]").click()
        assert page.locator(".error").count() >= 3
        assert axe_violations(page) == []
        scripted.close()


KAZAKH_LETTER = LETTER_DRIVE_YAML + """\
  kk:
    title: Швеция, мораторий жариялаңыз
    summary: Жоғарғы соттың қорғауын заңға айналдырыңыз.
    petition: Біз Швецияны Қытайға ұстап беруді тоқтатуға шақырамыз.
    letter_subject: "{{{{ signer_name }}}} жіберген хат"
    letter_body: |-
      Құрметті {{{{ legislator_name }}}},

      {{{{ country }}}} үшін мораторийді қолдаңыз.

      {{{{ signer_name }}}}
"""


def test_a_legislator_imported_with_one_of_the_new_languages_gets_the_letter_in_it(letters_app, inbox, tmp_path):
    petition_drive(letters_app, tmp_path, "open", "update", yaml=KAZAKH_LETTER)
    path = tmp_path / "more.csv"
    path.write_text(LEGISLATORS.splitlines()[0] + "\nmp-4,SE,Ayan Seitkali,,Riksdag,S,Stockholm,"
                    "ayan@riksdagen.example,kk,yes\n", encoding="utf-8")
    assert letters_app.test_cli_runner().invoke(args=["legislators", "import", str(path)]).exit_code == 0
    client = letters_app.test_client()
    prove(client)
    assert write(client).status_code == 303
    deliver(letters_app)
    [ayan] = inbox.to("ayan@riksdagen.example")
    assert ayan["Subject"] == "Wang Fang жіберген хат"
    assert body(ayan).startswith("Құрметті Ayan Seitkali,\n\nШвеция үшін мораторийді қолдаңыз.")
