"""Fictional demo data for trying the app: staff, two family groups, their networks,
family members with sign-ins, a Signs of Safety mapping, a story, a safety plan, a
child's three houses, and a family group conference from referral to an agreed family plan
with a review booked. Every name here is invented."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, col, select

from fgdm.accounts import service as accounts_service
from fgdm.accounts.models import StaffRole
from fgdm.config import Settings
from fgdm.families import journey as journey_service
from fgdm.families import service as families_service
from fgdm.families.models import MemberRole
from fgdm.families.service import AccessRole, ChildInput, FamilyAccess
from fgdm.meetings import service as meetings_service
from fgdm.network import service as network_service
from fgdm.network.models import Person
from fgdm.network.service import PersonInput
from fgdm.network.vocabulary import Day, PartOfDay
from fgdm.plans import decision_service
from fgdm.plans import service as plans_service
from fgdm.safety import plan_service
from fgdm.safety import service as safety_service
from fgdm.safety.service import StatementKind
from fgdm.security.actor import Actor
from fgdm.stories import service as stories_service
from fgdm.voice import service as voice_service
from fgdm.voice import view_service as views_service

TEAM = "Demo Family Help Team"

# (sign-in, name, role, passphrase). The passphrases are public: demo only.
STAFF = [
    (
        "sam.okafor@demo.example.org",
        "Sam Okafor",
        StaffRole.practitioner,
        "demo blue kettle morning",
    ),
    ("priya.shah@demo.example.org", "Priya Shah", StaffRole.manager, "demo green window river"),
    ("alex.morgan@demo.example.org", "Alex Morgan", StaffRole.admin, "demo yellow garden stone"),
]
FAMILY_USERS = [
    ("nadia", "Nadia Begum", MemberRole.family_member, "demo sunflower harbour tea"),
    ("tom", "Tom Clarke", MemberRole.family_member, "demo bicycle orange cloud"),
    ("maya", "Maya", MemberRole.young_person, "demo purple dragon music"),
    ("grandma.rose", "Rose Williams", MemberRole.family_member, "demo teapot autumn leaves"),
]


def is_loaded(session: Session) -> bool:
    """True when the demo has been loaded into this database before."""
    return accounts_service.get_user_by_login(session, login=STAFF[0][0]) is not None


def load(session: Session, *, settings: Settings) -> bool:
    """Loads the demo once; returns False (and changes nothing) if it is already there."""
    if is_loaded(session):
        return False
    system = Actor(user=None, ip_address="demo", request_id="demo", settings=settings)
    team = accounts_service.get_or_create_team(session, name=TEAM)
    staff = {}
    for login, name, role, passphrase in STAFF:
        staff[role] = accounts_service.create_user(
            session,
            actor=system,
            login=login,
            display_name=name,
            passphrase=passphrase,
            staff_role=role,
            team_id=team.id,
        )
    family_users = {}
    for login, name, _role, passphrase in FAMILY_USERS:
        family_users[login] = accounts_service.create_user(
            session,
            actor=system,
            login=login,
            display_name=name,
            passphrase=passphrase,
            staff_role=None,
        )

    practitioner = Actor(
        user=staff[StaffRole.practitioner], ip_address="demo", request_id="demo", settings=settings
    )
    begum_clarke = families_service.create_family_group(
        session,
        actor=practitioner,
        name="The Begum-Clarke family",
        children=[
            ChildInput("Aisha", date(2017, 9, 14), None, "she/her"),
            ChildInput("Leo", None, 4, "he/him"),
        ],
    )
    access = FamilyAccess(family=begum_clarke, role=AccessRole.practitioner)
    for login in ("nadia", "tom"):
        families_service.add_member(
            session,
            actor=practitioner,
            access=access,
            user=family_users[login],
            role=MemberRole.family_member,
        )
    _begum_clarke_network(session, actor=practitioner, access=access, users=family_users)
    _begum_clarke_signs_of_safety(
        session, settings=settings, actor=practitioner, access=access, users=family_users
    )
    _begum_clarke_conference(
        session, settings=settings, actor=practitioner, access=access, users=family_users
    )

    team_maya = families_service.create_family_group(
        session,
        actor=practitioner,
        name="Team Maya",
        children=[ChildInput("Maya", None, 14, "she/her")],
    )
    access = FamilyAccess(family=team_maya, role=AccessRole.practitioner)
    families_service.add_member(
        session,
        actor=practitioner,
        access=access,
        user=family_users["maya"],
        role=MemberRole.young_person,
    )
    families_service.add_member(
        session,
        actor=practitioner,
        access=access,
        user=family_users["grandma.rose"],
        role=MemberRole.family_member,
    )
    _team_maya_network(session, actor=practitioner, access=access)
    _maya_three_houses(session, actor=practitioner, access=access, users=family_users)
    session.flush()
    return True


# (name, kind, who they are to the children, closeness to the children, area, offers)
BEGUM_CLARKE = [
    ("Nan (Shireen)", "family", "Mum's mum", "close", "Belgrave", ["school_run", "overnight"]),
    ("Uncle Dev", "family", "Mum's brother", "some_contact", "Rushey Mead", ["transport"]),
    ("Mrs Patel", "neighbour", "Next door", "some_contact", "Belgrave", ["emergency_contact"]),
    ("Coach Sam", "community", "Aisha's football coach", "some_contact", "", ["after_school"]),
    ("Grandad Pete", "family", "Dad's dad", "distant", "Loughborough", []),
    ("Miss Okoro", "school", "Aisha's teacher", "some_contact", "", ["someone_to_talk_to"]),
    ("Mum", "family", "Mum", "close", "", []),
    ("Dad", "family", "Dad", "close", "", []),
]
DAYS = ("mon", "tue", "wed", "thu", "fri")


def _begum_clarke_network(
    session: Session, *, actor: Actor, access: FamilyAccess, users: dict
) -> None:
    """A network with real gaps: Nan carries a lot, nobody can do evenings, and Mum's new
    address is kept from Dad."""
    ids = {}
    for name, kind, who, closeness, area, offers in BEGUM_CLARKE:
        person = network_service.add_person(
            session,
            actor=actor,
            access=access,
            data=PersonInput(
                known_as=name,
                kind=kind,
                relationship_to_child=who,
                area=area,
                closeness=closeness,
            ),
        )
        ids[name] = person.id
        for need in offers:
            network_service.add_offer(
                session,
                actor=actor,
                access=access,
                person_id=person.id,
                need=need,
                sureness="yes",
                details="",
                slots={(Day(d), PartOfDay.morning) for d in DAYS}
                | {(Day(d), PartOfDay.afternoon) for d in DAYS},
            )
    network_service.add_relationship(
        session,
        actor=actor,
        access=access,
        person_id=ids["Mum"],
        other_id=ids["Dad"],
        closeness="conflict",
        note="Separated; they do not meet at handovers",
    )
    network_service.add_relationship(
        session,
        actor=actor,
        access=access,
        person_id=ids["Nan (Shireen)"],
        other_id=ids["Uncle Dev"],
        closeness="close",
    )
    network_service.add_detail(
        session,
        actor=actor,
        access=access,
        person_id=ids["Mum"],
        field_name="address",
        value="Flat 3, 12 Melton Road, Leicester LE4 6AA",
        visibility="named",
        named={users["nadia"].id},
    )
    network_service.add_detail(
        session,
        actor=actor,
        access=access,
        person_id=ids["Nan (Shireen)"],
        field_name="phone",
        value="07700 900123",
        visibility="everyone",
        named=set(),
    )
    network_service.add_detail(
        session,
        actor=actor,
        access=access,
        person_id=ids["Grandad Pete"],
        field_name="worry",
        value="Drinks heavily at weekends; not to look after the children alone.",
        visibility="practitioners",
        named=set(),
    )


def _begum_clarke_signs_of_safety(
    session: Session, *, settings: Settings, actor: Actor, access: FamilyAccess, users: dict
) -> None:
    """The mapping, a danger statement and a safety goal, scaling over time, a story for
    Aisha and a safety plan Nadia has agreed to (Tom has not yet)."""
    session.flush()
    items = (
        (
            "worried",
            "past_harm",
            "Twice this year Dad shouted and threw things when Aisha was there.",
        ),
        ("worried", "complicating_factor", "Mum works late shifts and the buses stop at 11."),
        ("working_well", "strength", "Aisha loves football and Coach Sam is always there."),
        (
            "working_well",
            "existing_safety",
            "When Dad got angry in May, Nan took the children home.",
        ),
        ("needs_to_happen", "next_step", "Ask Uncle Dev if he can do Tuesday evenings."),
    )
    for column, kind, text in items:
        safety_service.add_item(
            session, actor=actor, access=access, column=column, kind=kind, text=text, share=True
        )
    safety_service.add_statement(
        session,
        actor=actor,
        access=access,
        kind=StatementKind.danger,
        text=(
            "Children's services are worried that when Dad is angry he shouts and throws "
            "things, and Aisha or Leo could be hurt or feel frightened at home."
        ),
    )
    safety_service.add_statement(
        session,
        actor=actor,
        access=access,
        kind=StatementKind.goal,
        text=(
            "For the next six months, Dad stays calm around the children and leaves the "
            "room when he is angry, and Nan or Uncle Dev are around at handovers."
        ),
    )
    nadia = users["nadia"]
    for score, why in ((3, "Things were frightening in May."), (5, "Handovers are calmer.")):
        safety_service.add_score(
            session,
            actor=actor,
            access=access,
            scorer=f"user:{nadia.id}",
            score=str(score),
            why=why,
            one_point_higher="Dad doing his anger course.",
        )
    people = {
        p.known_as: p.id
        for p in session.exec(select(Person).where(Person.family_group_id == access.family_id))
    }
    story = stories_service.start_story(
        session,
        actor=actor,
        access=access,
        child_id=str(people["Aisha"]),
        title="Why people are helping our family",
    )
    for text, picture in (
        ("Mum and Dad love Aisha and Leo very much.", "family"),
        ("Sometimes Dad gets very angry and shouts. That is scary.", "worry-cloud"),
        ("Nan, Uncle Dev and Mrs Patel are helping to keep everyone safe.", "safe"),
    ):
        stories_service.add_page(
            session,
            actor=actor,
            access=access,
            story_id=story.id or 0,
            text=text,
            pictogram=picture,
        )
    for name, does, knows in (
        ("Nan (Shireen)", "Picks the children up from school and is there at handovers", True),
        ("Uncle Dev", "Drives the children on Tuesday evenings", True),
        ("Mrs Patel", "Someone to run to next door", False),
    ):
        plan_service.add_member(
            session,
            actor=actor,
            access=access,
            person_id=str(people[name]),
            what_they_do=does,
            knows_the_worries=knows,
        )
    for rule in (
        plan_service.RuleInput(
            what="Nan is at every handover between Mum and Dad.",
            who=[str(people["Nan (Shireen)"])],
            when_happens="Every Friday at 5pm",
            how_child_knows="Nan tells Aisha she will be there.",
            if_broken="Mum keeps the children at home and rings the social worker.",
            child_words="Nan will be there when you go to Dad's.",
            pictogram="grandparent",
        ),
        plan_service.RuleInput(
            what="If Dad gets angry, he leaves the room and calls Uncle Dev.",
            who=[str(people["Dad"]), str(people["Uncle Dev"])],
            when_happens="Any time",
            how_child_knows="Dad tells the children he is going to calm down.",
            if_broken="Aisha rings Nan or goes next door to Mrs Patel.",
            child_words="If Dad gets cross, he goes out to calm down.",
            pictogram="door-lock",
        ),
        plan_service.RuleInput(
            what="Someone checks in with Mum after her late shifts.",
            who=[],
            when_happens="Late shifts",
        ),
    ):
        plan_service.add_rule(session, actor=actor, access=access, data=rule)
    session.flush()
    nadia_actor = Actor(user=nadia, ip_address="demo", request_id="demo", settings=settings)
    nadia_access = FamilyAccess(family=access.family, role=AccessRole.family_member)
    current = plan_service.load_plan(
        session, actor=nadia_actor, access=nadia_access, settings=settings
    )
    plan_service.agree(
        session,
        actor=nadia_actor,
        access=nadia_access,
        revision=current.plan.revision if current.plan else 0,
        name_given="Nadia Begum",
        agreed=True,
    )


def _team_maya_network(session: Session, *, actor: Actor, access: FamilyAccess) -> None:
    for name, kind, who, closeness in (
        ("Grandma Rose", "family", "Grandma", "close"),
        ("Coach Ben", "community", "Boxing coach", "close"),
        ("Auntie Jo", "family", "Mum's sister", "some_contact"),
        ("Ms Khan", "health", "School nurse", "some_contact"),
    ):
        network_service.add_person(
            session,
            actor=actor,
            access=access,
            data=PersonInput(
                known_as=name, kind=kind, relationship_to_child=who, closeness=closeness
            ),
        )


def _maya_three_houses(
    session: Session, *, actor: Actor, access: FamilyAccess, users: dict
) -> None:
    """Maya's three houses, filled with her practitioner; her own sign-in is hers, and she
    chose Grandma Rose to see them."""
    maya = session.exec(
        select(Person).where(
            Person.family_group_id == access.family_id, col(Person.is_child).is_(True)
        )
    ).first()
    assert maya is not None and maya.id is not None
    houses = voice_service.load(session, actor=actor, access=access, child_id=maya.id).houses
    for house, text in (
        ("worries", "Mum and Dad arguing when I am trying to sleep."),
        ("good_things", "Boxing with Coach Ben, and tea at Grandma Rose's on Sundays."),
        ("dreams", "Everyone at home being calm, and going to college to be a nurse."),
    ):
        voice_service.add_entry(
            session, actor=actor, access=access, child_id=maya.id, house=house, text=text
        )
    voice_service.set_own_account(
        session,
        actor=actor,
        access=access,
        child_id=maya.id,
        version=houses.version,
        user_id=str(users["maya"].id),
    )
    voice_service.choose_viewers(
        session,
        actor=actor,
        access=access,
        child_id=maya.id,
        version=houses.version,
        user_ids=[str(users["grandma.rose"].id)],
    )


def describe_logins() -> str:
    """The demo sign-ins, for printing at start-up."""
    lines = ["Demo sign-ins (fictional people; demo passphrases are public):"]
    for login, name, role, passphrase in STAFF:
        lines.append(f"  {role.value:<14} {login:<32} {passphrase}   ({name})")
    for login, name, role, passphrase in FAMILY_USERS:
        label = "young person" if role == MemberRole.young_person else "family member"
        lines.append(f"  {label:<14} {login:<32} {passphrase}   ({name})")
    return "\n".join(lines)


def _begum_clarke_conference(
    session: Session, *, settings: Settings, actor: Actor, access: FamilyAccess, users: dict
) -> None:
    """The family group conference: the referral with Nadia's consent, the meeting last
    week with its invite list (Dad and Grandad Pete kept apart), the family plan the
    agency agreed (one action still with nobody, so it shows as a gap), Nadia's agreement,
    Aisha's view with its answer, and the review booked."""
    session.flush()
    family = access.family
    today = journey_service.today()
    people = {
        p.known_as: p
        for p in session.exec(
            select(Person).where(Person.family_group_id == access.family_id)
        ).all()
    }
    referral = journey_service.save_referral(
        session,
        actor=actor,
        access=access,
        version=0,
        data=journey_service.ReferralInput(
            referred_by="Sam Okafor, Family Help",
            worries=(
                "Dad has shouted and thrown things when Aisha was there. Mum works late and "
                "the children are sometimes at home with nobody else."
            ),
            decision_to_make="Who will help keep Aisha and Leo safe in the evenings?",
            family_consents="yes",
            consent_date=(today - timedelta(days=21)).isoformat(),
            consent_given_by="Nadia Begum",
        ),
    )
    session.flush()
    del referral
    journey_service.move_stage(
        session,
        actor=actor,
        access=access,
        to_stage="preparation",
        version=family.version,
        note="",
    )
    session.flush()
    meeting = meetings_service.schedule_meeting(
        session,
        actor=actor,
        access=access,
        kind="conference",
        date_text=(today - timedelta(days=7)).isoformat(),
        time_text="10:00",
    )
    session.flush()
    meetings_service.update_meeting(
        session,
        actor=actor,
        access=access,
        meeting_id=meeting.id,
        version=meeting.version,
        data=meetings_service.MeetingInput(
            date=(today - timedelta(days=7)).isoformat(),
            time="10:00",
            venue="Belgrave Family Centre, room 2",
            arrangements="Lunch at 12. A quiet room for the children.",
            advocate_name="Jo from Voices for Children",
            advocate_for_child=str(people["Aisha"].id),
        ),
    )
    for name, status, language in (
        ("Mum", "coming", ""),
        ("Dad", "coming", ""),
        ("Nan (Shireen)", "coming", "Bengali"),
        ("Uncle Dev", "coming", ""),
        ("Mrs Patel", "not_coming", ""),
        ("Grandad Pete", "invited", ""),
    ):
        invitation = meetings_service.add_invitation(
            session,
            actor=actor,
            access=access,
            meeting_id=meeting.id,
            person_id=str(people[name].id),
        )
        session.flush()
        meetings_service.update_invitation(
            session,
            actor=actor,
            access=access,
            meeting_id=meeting.id,
            invitation_id=invitation.id,
            version=invitation.version,
            data=meetings_service.InvitationInput(
                status=status,
                interpreter_language=language,
                own_arrival_note="Please come at 2pm, for the second part."
                if name == "Grandad Pete"
                else "",
            ),
        )
    meetings_service.add_arrangement(
        session,
        actor=actor,
        access=access,
        kind="must_not_meet",
        person_id=str(people["Dad"].id),
        other_person_id=str(people["Grandad Pete"].id),
        reason="They fought at Christmas; the police were called.",
    )
    session.flush()
    journey_service.move_stage(
        session, actor=actor, access=access, to_stage="meeting", version=family.version, note=""
    )

    # The plan, as the family wrote it in private family time.
    nadia = Actor(user=users["nadia"], ip_address="demo", request_id="demo", settings=settings)
    family_side = FamilyAccess(family=family, role=AccessRole.family_member)
    plan_write = {"session": session, "actor": nadia, "access": family_side}
    for section, value in (
        ("what_we_want", "Aisha and Leo are safe and happy at home, and nobody shouts."),
        ("if_things_go_wrong", "Mum calls Nan, and the children go to Nan's for the night."),
        ("people_to_call", "Nan, Uncle Dev, Sam at Family Help (0116 000 0000)."),
        ("review_date", (today + timedelta(days=83)).isoformat()),
    ):
        plans_service.update_section(**plan_write, section=section, was="", value=value)
        session.flush()
    evenings = plans_service.add_goal(
        **plan_write,
        data=plans_service.GoalInput(
            text="Someone we trust is with the children every evening Mum works late.",
            child_words="A grown-up you know is at home when Mum is at work.",
        ),
    )
    calm = plans_service.add_goal(
        **plan_write,
        data=plans_service.GoalInput(
            text="Dad finds other ways to deal with anger.",
            child_words="Dad is learning to stay calm.",
        ),
    )
    session.flush()
    for what, who, by_when, how, goal in (
        (
            "Nan stays over on Mum's late shifts",
            ["Nan (Shireen)"],
            "Every Tuesday and Thursday",
            "Nan writes it on the kitchen calendar",
            evenings,
        ),
        (
            "Uncle Dev picks Aisha up from football",
            ["Uncle Dev"],
            "Every Wednesday",
            "Aisha tells Mum who collected her",
            evenings,
        ),
        (
            "Dad goes to the anger course at the Family Hub",
            ["Dad"],
            "Starts in March",
            "Dad shows Sam his certificate",
            calm,
        ),
        (
            "Someone checks in with Mum on Sunday evenings",
            [],
            "Every Sunday",
            "Mum says she had a call",
            None,
        ),
    ):
        plans_service.add_action(
            **plan_write,
            data=plans_service.ActionInput(
                what=what,
                who=[str(people[n].id) for n in who],
                by_when=by_when,
                how_we_know=how,
                goal_id=str(goal.id) if goal else "",
            ),
        )
        session.flush()
    request = plans_service.add_request(
        **plan_write,
        data=plans_service.RequestInput(
            what_we_ask="A place on the anger course for Dad", of_whom="Family Hub"
        ),
    )
    session.flush()
    plan = plans_service.read_plan(session, actor=nadia, access=family_side, audit=False).plan
    decision_service.present(session, actor=nadia, access=family_side, version=plan.version)
    session.flush()
    decision_service.answer_request(
        session,
        actor=actor,
        access=access,
        request_id=request.id,
        version=request.version,
        answer="agreed",
    )
    session.flush()
    plan = plans_service.read_plan(session, actor=actor, access=access, audit=False).plan
    decision_service.decide(
        session,
        actor=actor,
        access=access,
        data=decision_service.DecisionInput(
            choice="agree", revision=plan.revision, last_decision_id=0, not_agreed=[], reasons={}
        ),
    )
    session.flush()
    plans_service.agree(
        session,
        actor=nadia,
        access=family_side,
        revision=plan.revision,
        name_given="Nadia Begum",
        agreed=True,
    )
    journey_service.move_stage(
        session,
        actor=actor,
        access=access,
        to_stage="plan_agreed",
        version=family.version,
        note="",
    )
    review = meetings_service.schedule_meeting(
        session,
        actor=actor,
        access=access,
        kind="review",
        date_text=(today + timedelta(days=83)).isoformat(),
        time_text="16:00",
    )
    del review

    # Aisha's view, heard by her advocate, and how it counted.
    view = views_service.record_view(
        session,
        actor=actor,
        access=access,
        child_id=people["Aisha"].id,
        form=views_service.ViewForm(
            words="I want Nan to stay when Mum is at work. I don't like it when it's loud.",
            how_given="through_advocate",
            where_given="At school, in the library",
            heard_by="Jo, her advocate",
            given_on=(today - timedelta(days=9)).isoformat(),
            meeting_id=str(meeting.id),
        ),
    )
    session.flush()
    nan_action = next(
        a
        for a in plans_service.read_plan(session, actor=actor, access=access, audit=False).actions
        if a.action.what.startswith("Nan stays")
    )
    views_service.add_answer(
        session,
        actor=actor,
        access=access,
        view_id=view.id,
        form=views_service.AnswerForm(
            touched=f"action:{nan_action.action.id}",
            we_did="Nan will stay over every Tuesday and Thursday when Mum works late.",
        ),
    )
