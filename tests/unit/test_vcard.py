"""Reading phone contacts from vCard files."""

import pytest

from fgdm.network.vcard import MAX_BYTES, Contact, VCardError, read_contacts

TWO_CARDS = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Shireen Begum\r\nN:Begum;Shireen;;;\r\n"
    "TEL;TYPE=CELL:07700 900123\r\nEMAIL:shireen@example.org\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Dev Patel\r\n"
    "TEL;VALUE=uri;TYPE=cell:tel:+44-7700-900456\r\nEND:VCARD\r\n"
)


def test_reads_names_and_first_phone_from_vcard_3_and_4():
    assert read_contacts(TWO_CARDS.encode()) == [
        Contact(name="Shireen Begum", phone="07700 900123"),
        Contact(name="Dev Patel", phone="+44-7700-900456"),
    ]


def test_a_card_without_a_display_name_uses_its_structured_name():
    card = "BEGIN:VCARD\nVERSION:3.0\nN:Okoro;Tomi;;;\nEND:VCARD\n"
    assert read_contacts(card.encode()) == [Contact(name="Tomi Okoro", phone="")]


def test_names_in_any_script_are_kept_as_typed():
    card = "BEGIN:VCARD\nVERSION:3.0\nFN:નાની 👵\nTEL:0116 496 0000\nEND:VCARD\n"
    assert read_contacts(card.encode()) == [Contact(name="નાની 👵", phone="0116 496 0000")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe\x00garbage", "not a contacts file"),
        (b"hello, this is a letter", "not a contacts file"),
        (b"BEGIN:VCARD\nVERSION:3.0\nFN:Half a card\n", "could not read"),
        (b"BEGIN:VCARD\nVERSION:3.0\nTEL:123\nEND:VCARD\n", "no contacts with a name"),
        (b"BEGIN:VCARD\n" + b"X" * (MAX_BYTES + 1), "too big"),
    ],
)
def test_broken_or_huge_files_get_a_clear_message(data, message):
    with pytest.raises(VCardError) as raised:
        read_contacts(data)
    assert message in str(raised.value)


def test_too_many_contacts_are_refused():
    card = "BEGIN:VCARD\nVERSION:3.0\nFN:Someone {n}\nEND:VCARD\n"
    data = "".join(card.format(n=n) for n in range(1002)).encode()
    with pytest.raises(VCardError) as raised:
        read_contacts(data)
    assert "more than 1000" in str(raised.value)
