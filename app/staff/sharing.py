"""What the back office gives campaigners to spread a drive: the embed code for partner sites and
the QR code of the drive's address, per language, for posters and flyers."""

from io import BytesIO

import segno
from flask import abort, current_app, send_file
from markupsafe import Markup

from app.extensions import db
from app.i18n import html_lang
from app.petitions.models import Drive
from app.staff.auth import roles_required
from app.staff.models import Role
from app.staff.routes import bp
from app.urls import public_url

EMBED_WIDTH, EMBED_HEIGHT = 400, 260  # room for a two-line title, the count and the button
# H, the highest error correction, keeps a code on a creased or scuffed poster readable; 4 modules of
# quiet zone is what the QR standard asks for. A PNG module is 32 pixels: about 1,400 pixels in all,
# 12 cm at 300 dpi. The SVG, 2 mm a module, scales to any size.
QR_ERROR, QR_BORDER, PNG_SCALE, SVG_SCALE_MM = "h", 4, 32, 2
QR_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def embed_snippet(drive, text):
    """The <iframe> a partner pastes into their page to show the drive in `text`'s language."""
    return str(Markup(
        '<iframe src="{src}" title="{title}" lang="{lang}" width="{width}" height="{height}" loading="lazy"></iframe>'
    ).format(src=public_url("petitions.embed", slug=drive.slug, lang_code=text.locale), title=text.title,
             lang=html_lang(text.locale), width=EMBED_WIDTH, height=EMBED_HEIGHT))


def drive_address(drive, tag):
    """The address a drive's QR code in language `tag` stands for: its public page in that language."""
    return public_url("petitions.drive", slug=drive.slug, lang_code=tag)


def qr_code(address, kind):
    """The QR code of `address`, as an SVG or PNG file's bytes."""
    code, out = segno.make(address, error=QR_ERROR, micro=False), BytesIO()
    if kind == "svg":
        code.save(out, kind="svg", scale=SVG_SCALE_MM, unit="mm", border=QR_BORDER, title=address, xmldecl=True)
    else:
        code.save(out, kind="png", scale=PNG_SCALE, border=QR_BORDER)
    return out.getvalue()


def qr_download(drive_id, tag, kind):
    """The drive's QR code for its page in `tag`, as a file to download."""
    drive = db.get_or_404(Drive, drive_id)
    if tag not in current_app.config["LANGUAGES"]:
        abort(404)
    return send_file(BytesIO(qr_code(drive_address(drive, tag), kind)), mimetype=QR_TYPES[kind],
                     as_attachment=True, download_name=f"{drive.slug}-{tag}-qr.{kind}")


@bp.route("/drives/<int:drive_id>/qr/<tag>.svg")
@roles_required(Role.CAMPAIGNER, Role.ORGANISER)
def drive_qr_svg(drive_id, tag):
    return qr_download(drive_id, tag, "svg")


@bp.route("/drives/<int:drive_id>/qr/<tag>.png")
@roles_required(Role.CAMPAIGNER, Role.ORGANISER)
def drive_qr_png(drive_id, tag):
    return qr_download(drive_id, tag, "png")
