"""A page's photo and own banner (SPEC §12): only PNG, JPEG, WebP or GIF of at most 2 MB,
re-encoded (no metadata or trailing bytes survive), served as image/webp under a versioned URL,
on every attendee page; bad uploads named beside their field, nothing stored."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.conftest import soup

SECRET = b"GPS 59.3293N 18.0686E secret-note"


@pytest.fixture
def app(make_app, clock):
    return make_app(CLOCK=clock)


@pytest.fixture
def olga(make_user, make_token):
    user = make_user(
        email="olga@example.com", name="Olga", slug="olga", timezone="Europe/Stockholm"
    )
    return {**user, "headers": make_token(user["id"])}


def png(size=(800, 600), color=(200, 30, 60), text=SECRET) -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", text.decode())
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG", pnginfo=info)
    return out.getvalue() + b"<script>alert(1)</script>"  # trailing bytes after IEND


def jpeg_with_exif() -> bytes:
    img = Image.new("RGB", (400, 400), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010E] = SECRET.decode()  # ImageDescription
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def settings_data(client) -> dict:
    form = soup(client.get("/me/page")).find("form", action="/me/page")
    data = {}
    for field in form.find_all(["input", "select", "textarea"]):
        name = field.get("name")
        if not name or field.get("type") in ("submit", "file"):
            continue
        if field.name == "select":
            chosen = field.find("option", selected=True) or field.find("option")
            data[name] = chosen.get("value", "") if chosen else ""
        elif field.get("type") == "checkbox":
            if field.has_attr("checked"):
                data[name] = field.get("value", "y")
        elif field.name == "textarea":
            data[name] = field.get_text()
        else:
            data[name] = field.get("value", "")
    return data


def upload(client, **files):
    data = settings_data(client)
    for name, (content, filename) in files.items():
        data[name] = (io.BytesIO(content), filename)
    return client.post("/me/page", data=data, content_type="multipart/form-data")


def served(client, html, selector: str):
    img = soup(html).select_one(selector)
    assert img is not None, selector
    response = client.get(img["src"])
    assert response.status_code == 200
    return img, response


def test_a_photo_is_reencoded_and_shown_on_every_attendee_page(client, olga, login):
    login(olga)
    assert upload(client, photo=(png(), "me.png")).status_code == 303
    for path in ("/b/olga", "/b/olga/30-minute-meeting"):
        img, response = served(client, client.get(path).get_data(as_text=True), "img.page-photo")
        assert img["src"].startswith("/b/olga/photo.webp?v=")
        assert response.mimetype == "image/webp"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"] == 'inline; filename="photo.webp"'
        assert "immutable" in response.headers["Cache-Control"]
        assert SECRET not in response.data and b"<script>" not in response.data
        with Image.open(io.BytesIO(response.data)) as kept:
            assert kept.format == "WEBP" and max(kept.size) <= 320
            assert "exif" not in kept.info and "Comment" not in kept.info


def test_exif_is_not_kept(client, olga, login):
    login(olga)
    assert upload(client, photo=(jpeg_with_exif(), "me.jpg")).status_code == 303
    _, response = served(client, client.get("/b/olga").get_data(as_text=True), "img.page-photo")
    assert SECRET not in response.data
    with Image.open(io.BytesIO(response.data)) as kept:
        assert not kept.getexif()


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "x.svg",
            "is not a PNG, JPEG, WebP or GIF image",
        ),
        (
            b"<html><script>alert(1)</script></html>",
            "photo.png",
            "is not a PNG, JPEG, WebP or GIF image",
        ),
    ],
)
def test_bad_uploads_are_named_and_nothing_is_kept(client, olga, login, content, filename, message):
    login(olga)
    refused = upload(client, photo=(content, filename))
    assert refused.status_code == 422
    assert message in soup(refused).find(id="photo-error").get_text()
    assert soup(client.get("/b/olga")).select_one("img.page-photo") is None
    assert client.get("/b/olga/photo.webp").status_code == 404


def test_an_own_banner_replaces_the_built_in_one_and_can_be_removed(client, olga, login):
    login(olga)
    client.patch("/api/v1/me/page", json={"banner": "waves"}, headers=olga["headers"])
    assert upload(client, banner_upload=(png((3000, 900)), "wide.png")).status_code == 303
    img, response = served(client, client.get("/b/olga").get_data(as_text=True), "img.page-banner")
    assert img["src"].startswith("/b/olga/banner.webp?v=")
    with Image.open(io.BytesIO(response.data)) as kept:
        assert kept.size == (2000, 600)  # within 2400 x 600, its shape kept
    data = settings_data(client)
    assert client.post("/me/page", data={**data, "remove_banner_upload": "y"}).status_code == 303
    banner = soup(client.get("/b/olga")).select_one("img.page-banner")
    assert banner["src"].startswith("/static/img/banners/waves.svg")


def test_the_images_survive_a_backup_and_restore(app, client, olga, login, tmp_path):
    login(olga)
    assert upload(client, photo=(png(), "me.png")).status_code == 303
    _, before = served(client, client.get("/b/olga").get_data(as_text=True), "img.page-photo")
    archive = tmp_path / "images.backup"
    assert app.test_cli_runner().invoke(args=["backup", str(archive)]).exit_code == 0
    from tests.test_backup import fresh_app

    target = fresh_app("sqlite:///" + str(tmp_path / "restored.sqlite"), tmp_path / "b")
    result = target.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    restored = target.test_client()
    _, after = served(restored, restored.get("/b/olga").get_data(as_text=True), "img.page-photo")
    assert after.data == before.data


def test_an_upload_over_2_mb_is_refused_before_it_is_decoded(app):
    from bwm.domain.errors import ValidationFailed
    from bwm.services import images

    big = png() + b"\0" * (2 * 1024 * 1024)
    with app.app_context(), pytest.raises(ValidationFailed) as refused:
        images.reencode(big, "photo")
    assert str(refused.value.errors["photo"]) == "is larger than 2 MB"
    with app.app_context(), pytest.raises(ValidationFailed):
        images.reencode(b"", "banner", "banner_upload")


def test_the_api_sets_and_removes_the_photo(client, olga):
    headers = olga["headers"]
    put = client.put(
        "/api/v1/me/page/photo", data=png(), headers={**headers, "Content-Type": "image/png"}
    )
    assert put.status_code == 200, put.text
    assert put.json["kind"] == "photo" and put.json["width"] == 320
    url = put.json["url"]
    assert "/b/olga/photo.webp?v=" in url
    shown = client.get(url.split("bwm.example.com", 1)[-1])
    assert shown.status_code == 200 and shown.mimetype == "image/webp"
    bad = client.put(
        "/api/v1/me/page/banner", data=b"<svg/>", headers={**headers, "Content-Type": "image/png"}
    )
    assert bad.status_code == 422 and "banner" in bad.json["errors"]
    assert client.delete("/api/v1/me/page/photo", headers=headers).status_code == 204
    assert client.get("/b/olga/photo.webp").status_code == 404
    assert client.put("/api/v1/me/page/photo", data=png()).status_code == 401


def test_the_attendees_email_shows_the_organizers_photo(
    make_app, make_user, make_token, smtp_sink, clock
):
    from tests.test_booking import book_api, monday_at

    app = make_app(MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port, CLOCK=clock)
    user = make_user(
        email="olga@example.com", name="Olga", slug="olga", timezone="Europe/Stockholm"
    )
    client = app.test_client()
    headers = make_token(user["id"])
    put = client.put(
        "/api/v1/me/page/photo", data=png(), headers={**headers, "Content-Type": "image/png"}
    )
    assert put.status_code == 200, put.text
    book_api(client, monday_at(10))
    assert app.test_cli_runner().invoke(args=["worker", "--once"]).exit_code == 0
    assert smtp_sink.wait_for(2)
    to_attendee = next(m for m in smtp_sink.messages if m["To"] != "olga@example.com")
    photo = soup(to_attendee.get_body(("html",)).get_content()).find(id="organizer-photo")
    assert photo["src"] == put.json["url"] and photo["alt"] == "Olga"
