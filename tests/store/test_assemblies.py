"""Which proxies stand at an assembly (docs/governance.md rule 18, item 3), read from the
proxy grants table as the proxy services write it, and how they make the quorum."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from coopfed.node import Node
from coopfed.services import assemblies
from coopfed.services.assemblies import AssemblyDraft
from coopfed.store import assemblies as assembly_store
from coopfed.store.members import MemberRecord
from coopfed.store.tables import proxy_grants
from tests.support.governance import add_locals, open_yes_no, use_clock

STARTS = datetime(2030, 6, 20, 18, 0, tzinfo=UTC)


async def _grant(
    node: Node,
    grantor: MemberRecord,
    holder: MemberRecord,
    *,
    proposal_row: int | None = None,
    until: datetime | None = None,
    revoked_at: datetime | None = None,
) -> None:
    async with node.engine.begin() as conn:
        await conn.execute(
            insert(proxy_grants).values(
                grantor_row_id=grantor.row_id, holder_row_id=holder.row_id,
                proposal_id=proposal_row, until=until, granted_at=STARTS - timedelta(days=9),
                revoked_at=revoked_at,
            )
        )  # fmt: skip


async def test_standing_proxies_are_general_or_for_the_agenda_and_alive_at_the_start(
    node: Node,
) -> None:
    use_clock(node)
    ana, ben, cy, dee, eve, fay = await add_locals(node, "ana", "ben", "cy", "dee", "eve", "fay")
    on_agenda = await open_yes_no(node, title="On the agenda")
    elsewhere = await open_yes_no(node, title="Elsewhere")
    day = timedelta(days=1)
    await _grant(node, ben, ana)  # general, standing
    await _grant(node, cy, ana, proposal_row=on_agenda.row_id)  # for an agenda item
    await _grant(node, dee, ana, proposal_row=elsewhere.row_id)  # another proposal: no
    await _grant(node, eve, ana, until=STARTS)  # lasts until the start, excluded: no
    await _grant(node, fay, ana, revoked_at=STARTS - day)  # revoked before: no
    await _grant(node, fay, ben, revoked_at=STARTS + day)  # revoked only after: stands
    draft = AssemblyDraft(title="AGM", starts_at=STARTS, place="Hall", quorum="2/3")
    detail = await assemblies.create_assembly(node, draft)
    slug = detail.record.slug
    await assemblies.add_to_agenda(node, slug, on_agenda.slug)
    async with node.engine.connect() as conn:
        standing = await assembly_store.standing_proxies(conn, STARTS, [on_agenda.row_id])
    assert set(standing) == {
        (ben.member_id, ana.member_id),
        (cy.member_id, ana.member_id),
        (fay.member_id, ben.member_id),
    }

    await assemblies.record_attendance(node, slug, "ana", by="test")
    quorum = (await assemblies.assembly_detail(node, slug)).quorum
    # ana attends for ben and cy; fay's holder (ben) is absent: 3 of 6, 4 needed.
    assert set(quorum.represented) == {ben.member_id, cy.member_id}
    assert (quorum.present, quorum.needed, quorum.met) == (3, 4, False)
    await assemblies.record_attendance(node, slug, "ben", by="test")
    quorum = (await assemblies.assembly_detail(node, slug)).quorum
    # ben now present himself (counted once) and represents fay.
    assert set(quorum.represented) == {cy.member_id, fay.member_id}
    assert (quorum.present, quorum.met) == (4, True)


async def test_a_grant_for_this_assembly_stands_one_for_another_does_not(node: Node) -> None:
    use_clock(node)
    ana, ben, cy = await add_locals(node, "ana", "ben", "cy")
    here = await assemblies.create_assembly(
        node, AssemblyDraft(title="AGM", starts_at=STARTS, place="Hall", quorum="1/1")
    )
    other = await assemblies.create_assembly(
        node, AssemblyDraft(title="EGM", starts_at=STARTS, place="Hall")
    )
    async with node.engine.begin() as conn:
        for grantor, assembly in ((ben, here), (cy, other)):
            await conn.execute(
                insert(proxy_grants).values(
                    grantor_row_id=grantor.row_id, holder_row_id=ana.row_id,
                    assembly_id=assembly.record.row_id, granted_at=STARTS - timedelta(days=9),
                )
            )  # fmt: skip
    async with node.engine.connect() as conn:
        standing = await assembly_store.standing_proxies(conn, STARTS, [], here.record.row_id)
    assert standing == [(ben.member_id, ana.member_id)]  # cy's is for the other assembly
    await assemblies.record_attendance(node, here.record.slug, "ana", by="test")
    quorum = (await assemblies.assembly_detail(node, here.record.slug)).quorum
    assert quorum.represented == (ben.member_id,) and (quorum.present, quorum.needed) == (2, 3)
