"""Speaker photos: what an upload turns into, what is refused, and how photos are served.

Every file is built here with Pillow (or by hand, for the decompression bombs), so each test
shows exactly what was sent.
"""

import io
import os
import re
import struct
import zlib

import pytest
from PIL import ExifTags, Image, ImageCms, ImageFile

from eventapp.extensions import db
from eventapp.media.photos import (
    MAX_BYTES,
    PhotoError,
    delete_photo,
    photo_path,
    photos_folder,
    store_photo,
)
from eventapp.models import RoleKind

from .factories import add_role, make_event, make_item, make_person

NOT_AN_IMAGE = "This file is not an image we can read (JPEG, PNG, WebP or GIF)."
TOO_LARGE = "The photo is larger than 5 MB."
TOO_MANY_PIXELS = "The image is too large (more than 40 million pixels)."


@pytest.fixture
def ctx(app):
    """A request context, as in the organiser's upload form: instance folder and language."""
    with app.test_request_context():
        yield


def encode(image: Image.Image, fmt: str, **params) -> io.BytesIO:
    """The image as an uploaded file stream."""
    stream = io.BytesIO()
    image.save(stream, fmt, **params)
    stream.seek(0)
    return stream


def two_colours(size=(300, 200)) -> Image.Image:
    """An RGB picture, red on the left half and blue on the right, to see which way is up."""
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))
    return image


def stored(name: str) -> Image.Image:
    """The stored file, opened again."""
    path = photo_path(name)
    assert path is not None, name
    image = Image.open(path)
    image.load()
    return image


def files_in_folder() -> set[str]:
    """Every file in the photos folder, temporary ones included."""
    folder = photos_folder()
    return set(os.listdir(folder)) if folder.exists() else set()


def refusal(stream, **kw) -> str:
    """The message store_photo refuses a file with; checks that nothing was left behind."""
    before = files_in_folder()
    with pytest.raises(PhotoError) as refused:
        store_photo(stream, **kw)
    assert files_in_folder() == before
    return str(refused.value)


def png_bomb(width: int, height: int) -> bytes:
    """A real, valid one-colour PNG at 1 bit per pixel: kilobytes on disk, width x height
    pixels once decoded."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    row = bytes(1 + (width + 7) // 8)  # filter byte, then the row's bits
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


# What is refused ----------------------------------------------------------------------


def test_a_text_file_renamed_jpg_is_refused(ctx):
    upload = io.BytesIO(b"Dear organisers, here is my bio instead of a photo.\n")
    upload.name = "portrait.jpg"
    assert refusal(upload) == NOT_AN_IMAGE


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "ICO"])
def test_real_images_in_other_formats_are_refused(ctx, fmt):
    assert refusal(encode(two_colours((64, 64)), fmt)) == NOT_AN_IMAGE


def test_an_svg_is_refused(ctx):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert refusal(io.BytesIO(svg)) == NOT_AN_IMAGE


def test_a_truncated_jpeg_is_refused(ctx):
    whole = encode(two_colours((600, 400)), "JPEG").getvalue()
    assert refusal(io.BytesIO(whole[: len(whole) // 2])) == NOT_AN_IMAGE


def test_an_empty_file_is_refused(ctx):
    assert refusal(io.BytesIO(b"")) == NOT_AN_IMAGE


class CountingStream(io.BytesIO):
    """A stream that remembers how much of it was read."""

    bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data


def test_a_6_mb_image_is_refused_without_being_read_whole(ctx):
    # Random noise, stored uncompressed: a real PNG of about 6.3 MB.
    noise = Image.frombytes("RGB", (1500, 1400), os.urandom(1500 * 1400 * 3))
    upload = CountingStream(encode(noise, "PNG", compress_level=0).getvalue())
    assert len(upload.getvalue()) > 6_000_000
    assert refusal(upload) == TOO_LARGE
    assert upload.bytes_read == MAX_BYTES + 1


def test_a_file_of_exactly_5_mb_is_not_refused_for_its_size(ctx):
    # A small JPEG padded with zeros after its end marker, to exactly the limit.
    jpeg = encode(two_colours(), "JPEG").getvalue()
    name = store_photo(io.BytesIO(jpeg + bytes(MAX_BYTES - len(jpeg))))
    assert stored(name).size == (300, 200)


@pytest.mark.parametrize(
    "width, height",
    [
        (8000, 6000),  # 48 Mpx: over our limit, under Pillow's
        (20000, 20000),  # 400 Mpx: over twice Pillow's limit, its DecompressionBombError
    ],
)
def test_decompression_bombs_are_refused_before_decoding(ctx, monkeypatch, width, height):
    bomb = png_bomb(width, height)
    assert len(bomb) < 200_000  # small on disk, from 6 MB to 400 MB once decoded
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda image: decoded.append(image))
    assert refusal(io.BytesIO(bomb)) == TOO_MANY_PIXELS
    assert decoded == []


def test_a_bomb_that_only_makes_pillow_warn_is_refused_too(ctx, monkeypatch):
    # 100 Mpx: Pillow only warns. The tests turn warnings into errors; a server does not,
    # and must refuse it all the same.
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda image: decoded.append(image))
    with pytest.warns(Image.DecompressionBombWarning):
        assert refusal(io.BytesIO(png_bomb(10000, 10000))) == TOO_MANY_PIXELS
    assert decoded == []
    # And where warnings are errors, Pillow's own refusal gives the same message.
    assert refusal(io.BytesIO(png_bomb(10000, 10000))) == TOO_MANY_PIXELS


# What is stored ----------------------------------------------------------------------


def test_gps_and_all_other_metadata_are_removed(ctx):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Artist] = "Ana Speaker"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (50.0, 50.0, 21.5),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (4.0, 21.0, 7.25),
        ExifTags.GPS.GPSMapDatum: "WGS-84",
    }
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
        b'02/22-rdf-syntax-ns#"><rdf:Description exif:GPSLatitude="50,50.36N" '
        b'xmlns:exif="http://ns.adobe.com/exif/1.0/"/></rdf:RDF></x:xmpmeta>'
    )
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    upload = encode(
        two_colours(), "JPEG", exif=exif, xmp=xmp, icc_profile=icc, comment=b"taken at home"
    )
    sent = Image.open(io.BytesIO(upload.getvalue()))
    assert sent.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the upload does carry a location
    assert {"exif", "xmp", "icc_profile", "comment"} <= set(sent.info)

    name = store_photo(upload)
    photo = stored(name)
    assert len(photo.getexif()) == 0
    assert not {"exif", "xmp", "icc_profile", "comment"} & set(photo.info)
    data = photo_path(name).read_bytes()
    for trace in (
        b"Exif",
        b"GPS",
        b"WGS-84",
        b"PhoneMaker",
        b"Ana Speaker",
        b"xmpmeta",
        b"taken at home",
    ):
        assert trace not in data, trace


def test_exif_orientation_is_applied_before_the_exif_goes(ctx):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # stored sideways: show it turned 90° clockwise
    photo = stored(store_photo(encode(two_colours((300, 200)), "JPEG", exif=exif)))
    assert photo.size == (200, 300)
    # Turned clockwise, the red left half is now on top.
    top, bottom = photo.getpixel((100, 40)), photo.getpixel((100, 260))
    assert top[0] > 200 and top[2] < 60, top
    assert bottom[2] > 200 and bottom[0] < 60, bottom


@pytest.mark.parametrize(
    "size, expected",
    [
        ((3000, 2000), (800, 533)),
        ((2000, 3000), (533, 800)),
        ((5000, 400), (800, 64)),
    ],
)
def test_big_photos_are_scaled_down_keeping_their_shape(ctx, size, expected):
    name = store_photo(encode(two_colours(size), "JPEG"))
    photo = stored(name)
    assert name.endswith(".jpg") and photo.format == "JPEG" and photo.mode == "RGB"
    assert photo.size == expected
    assert abs(photo.width / photo.height - size[0] / size[1]) < 0.02


def test_small_photos_are_not_enlarged(ctx):
    assert stored(store_photo(encode(two_colours((120, 90)), "PNG"))).size == (120, 90)


def test_a_png_with_transparency_keeps_it_as_webp(ctx):
    image = Image.new("RGBA", (1600, 1600), (200, 30, 30, 255))
    image.paste((0, 0, 0, 0), (0, 0, 400, 400))  # a transparent corner
    name = store_photo(encode(image, "PNG"))
    photo = stored(name)
    assert name.endswith(".webp") and photo.format == "WEBP" and photo.mode == "RGBA"
    assert photo.size == (800, 800)
    assert photo.getpixel((20, 20))[3] == 0
    assert photo.getpixel((600, 600))[3] == 255


def test_a_png_with_an_unused_alpha_channel_becomes_a_jpeg(ctx):
    name = store_photo(encode(Image.new("RGBA", (100, 100), (10, 120, 10, 255)), "PNG"))
    assert name.endswith(".jpg") and stored(name).mode == "RGB"


def test_gifs_keep_only_their_first_frame_and_their_transparency(ctx):
    frames = [Image.new("P", (100, 80), i) for i in range(3)]
    for frame in frames:
        frame.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0] + [0] * 759)
    upload = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], transparency=0)
    name = store_photo(upload)
    photo = stored(name)
    assert name.endswith(".webp") and photo.size == (100, 80)
    assert photo.getpixel((50, 40))[3] == 0  # colour 0 was the transparent one
    # Without transparency: an opaque first frame, stored as a JPEG.
    opaque = stored(store_photo(encode(frames[1], "GIF")))
    assert opaque.format == "JPEG" and opaque.getpixel((50, 40))[0] > 200


def test_names_are_random_and_never_reused(ctx):
    upload = encode(two_colours(), "JPEG").getvalue()
    names = {store_photo(io.BytesIO(upload)) for _ in range(3)}
    assert len(names) == 3
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9_-]{24}\.jpg", name)
        assert photo_path(name) == photos_folder() / name
    assert not [f for f in files_in_folder() if f.endswith(".part")]  # no temporary left


@pytest.mark.parametrize(
    "name",
    [
        "../secret_key",
        "..",
        "a/b.jpg",
        "photo.jpg",
        "A" * 24 + ".JPG",
        "A" * 24 + ".png",
        "A" * 24 + ".jpg\n",
        "A" * 23 + ".jpg",
        ".upload-abc.part",
        "",
    ],
)
def test_photo_path_accepts_only_names_it_makes(ctx, name):
    assert photo_path(name) is None


def test_delete_photo_removes_the_file_and_ignores_missing_ones(ctx):
    name = store_photo(encode(two_colours(), "JPEG"))
    path = photo_path(name)
    delete_photo(name)
    assert not path.exists() and photo_path(name) is None
    delete_photo(name)  # already gone
    delete_photo("../secret_key")  # not ours: nothing happens
    delete_photo(None)


# How photos are served ---------------------------------------------------------------


def upload_photo(app, image: Image.Image, fmt: str = "JPEG") -> str:
    """Store a photo as the organiser's form would; gives its name."""
    with app.test_request_context():
        return store_photo(encode(image, fmt))


def served(client, path: str, **kw):
    """A GET whose body is read and whose file is closed (send_file streams it)."""
    response = client.get(path, **kw)
    response.get_data()
    response.close()
    return response


def test_the_route_serves_the_stored_file_as_an_image(app, client):
    name = upload_photo(app, two_colours())
    response = served(client, f"/media/photos/{name}")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    cache = response.cache_control
    assert cache.public and cache.max_age >= 365 * 24 * 3600 and cache.immutable
    with app.app_context():
        assert response.data == photo_path(name).read_bytes()
    # Conditional requests work, so a revalidation costs nothing.
    again = served(
        client, f"/media/photos/{name}", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_the_route_serves_webp_with_its_own_type(app, client):
    name = upload_photo(app, Image.new("RGBA", (50, 50), (0, 0, 0, 0)), "PNG")
    response = served(client, f"/media/photos/{name}")
    assert response.status_code == 200 and response.mimetype == "image/webp"


@pytest.mark.parametrize(
    "path",
    [
        "/media/photos/" + "A" * 24 + ".jpg",  # well formed, never stored
        "/media/photos/..%2F..%2Fsecret_key",
        "/media/photos/..%2Fphotos%2F" + "A" * 24 + ".jpg",
        "/media/photos/%2E%2E%2F%2E%2E%2Feventapp.sqlite3",
        "/media/photos/..",
        "/media/photos/secret_key",
        "/media/photos/.upload-x.part",
        "/media/photos/",
    ],
)
def test_the_route_404s_for_unknown_and_invalid_names(app, client, path):
    upload_photo(app, two_colours())  # the folder exists and holds a photo
    instance = app.instance_path
    with open(os.path.join(instance, "secret_key"), "a"):  # a file worth reaching for
        pass
    assert client.get(path).status_code == 404


def test_a_deleted_photo_is_no_longer_served(app, client):
    name = upload_photo(app, two_colours())
    with app.test_request_context():
        delete_photo(name)
    assert client.get(f"/media/photos/{name}").status_code == 404


# The public pages -------------------------------------------------------------------


def test_speaker_pages_show_the_photo_and_initials_without_one(app, client):
    name = upload_photo(app, two_colours((900, 900)))
    with app.app_context():
        event = make_event(slug="photo-forum")
        item = make_item(event)
        with_photo = make_person(event, given_name="Nino", family_name="Beridze", photo=name)
        without = make_person(event, given_name="Lena", family_name="Vogel")
        add_role(item, with_photo, RoleKind.SPEAKER, 0)
        add_role(item, without, RoleKind.SPEAKER, 1)
        db.session.commit()
        person_id = with_photo.id

    page = client.get("/events/photo-forum/speakers").text
    images = re.findall(r"<img\b[^>]*>", page)
    photos = [tag for tag in images if f'src="/media/photos/{name}"' in tag]
    assert len(photos) == 1
    assert 'alt=""' in photos[0] and 'class="avatar' in photos[0]
    assert "Nino Beridze" in page  # the name the empty alt relies on
    assert re.search(
        r'<span class="avatar avatar--initials[^"]*" aria-hidden="true">LV</span>', page
    )
    assert ">NB</span>" not in page

    profile = client.get(f"/events/photo-forum/speakers/{person_id}").text
    assert re.search(
        rf'<img class="avatar avatar--large" src="/media/photos/{name}" alt=""', profile
    )
    assert served(client, f"/media/photos/{name}").status_code == 200
