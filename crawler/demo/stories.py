"""Invented 2025 stories for the fixture web (the seeds come from sources/seed_*.txt).

Why invented: the fixture web needs enough distinct items to page through search results and
feeds, and non-government stories the spiders' filters must skip. Each story is written to be
unlike the others so near-duplicate detection is not fooled. None of these is a real release.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Org:
    slug: str
    title: str
    acronym: str
    analytics_id: str
    wiredgov_name: str  # Wired-Gov's department line (it drops the space after commas)
    org_type: str = "ministerial_department"


FCDO = Org("foreign-commonwealth-development-office", "Foreign, Commonwealth & Development Office",
           "FCDO", "OT1270", "Foreign,Commonwealth and Development Office")
HO = Org("home-office", "Home Office", "HO", "D16", "Home Office")
DSIT = Org("department-for-science-innovation-and-technology",
           "Department for Science, Innovation and Technology", "DSIT", "D1198",
           "Department for Science,Innovation and Technology")
ORGS = {o.slug: o for o in (FCDO, HO, DSIT)}

PEOPLE = {
    "yvette-cooper": "The Rt Hon Yvette Cooper MP",
    "david-lammy": "The Rt Hon David Lammy MP",
    "shabana-mahmood": "The Rt Hon Shabana Mahmood MP",
    "peter-kyle": "The Rt Hon Peter Kyle MP",
}


@dataclass(frozen=True)
class GovStory:
    slug: str
    org: Org
    doc_type: str              # press_release | news_story | government_response | world_news_story
    published: str             # ISO 8601 with offset, as in the Content API
    title: str
    description: str
    paras: tuple[str, ...]
    quote_by: str = ""         # "Home Secretary Shabana Mahmood said:"
    quote: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()   # "Notes to editors" bullets
    people: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)


STORIES: tuple[GovStory, ...] = (
    GovStory(
        "uk-announces-flood-relief-support-for-pakistan", FCDO, "press_release",
        "2025-09-02T11:30:00.000+01:00",
        "UK announces £5 million flood relief package for Pakistan",
        "Emergency funding will provide clean water, shelter and cash support to families displaced by monsoon flooding in Punjab and Khyber Pakhtunkhwa.",
        ("The UK will provide £5 million in emergency funding to help communities in Pakistan recover from severe monsoon flooding, the Foreign, Commonwealth and Development Office announced today.",
         "Heavy rain since late August has forced more than 400,000 people from their homes and damaged roads, bridges and irrigation canals across Punjab and Khyber Pakhtunkhwa.",
         "The package will be delivered through trusted humanitarian partners already working in the affected districts. It will fund water purification tablets, emergency shelter kits and multi-purpose cash transfers so that families can buy what they need locally.",
         "UK humanitarian advisers deployed to Islamabad are working with the National Disaster Management Authority to assess where support is most urgently needed."),
        "Minister for Development said:",
        ("The images coming out of Punjab are heartbreaking. Families have lost homes, livestock and harvests in a matter of days.",
         "This funding will get clean water and shelter to the people who need it most, and we stand ready to do more as the waters recede."),
        (),
        ("The funding comes from the FCDO’s Crisis Reserve.",
         "Partners include the Pakistan Red Crescent Society and UN agencies operating pooled funds."),
    ),
    GovStory(
        "uk-and-norway-deepen-cooperation-on-north-sea-carbon-storage", FCDO, "news_story",
        "2025-06-17T09:00:00.000+01:00",
        "UK and Norway deepen cooperation on North Sea carbon storage",
        "A new memorandum of understanding will allow carbon dioxide captured in one country to be stored under the seabed of the other.",
        ("Ministers from the UK and Norway met in Oslo today to sign a memorandum of understanding on the cross-border transport and storage of captured carbon dioxide.",
         "The agreement clears the way for shipping and pipeline operators to move CO2 between the two countries’ storage licences in the North Sea, a step industry has been asking for since 2023.",
         "Officials will now work on the technical arrangements needed for monitoring and reporting, including how stored volumes are counted against each country’s emissions targets.",
         "The two governments also agreed to hold an annual offshore energy dialogue, alternating between Aberdeen and Stavanger."),
        "", (), (),
        ("The memorandum is not legally binding; a bilateral treaty under the London Protocol will follow.",),
    ),
    GovStory(
        "uk-sanctions-smuggling-network-supplying-small-boat-engines", FCDO, "press_release",
        "2025-07-22T07:00:00.000+01:00",
        "UK sanctions network supplying engines and boats to Channel smugglers",
        "Five individuals and three companies are the first designated under the new sanctions regime targeting organised immigration crime.",
        ("The UK has today sanctioned five individuals and three companies accused of supplying the engines, inflatable boats and life jackets used in dangerous Channel crossings.",
         "The designations are the first under the Global Irregular Migration and Trafficking in Persons Sanctions Regime, which came into force this month. Those named face asset freezes and travel bans, and UK businesses are barred from dealing with them.",
         "Investigators traced the equipment from warehouses in Turkey and Bulgaria through logistics firms in Germany to the beaches of northern France.",
         "The action was coordinated with the National Crime Agency, which has shared intelligence with partners in Europe to support parallel prosecutions."),
        "Foreign Secretary David Lammy said:",
        ("The gangs behind these crossings treat human beings as cargo. By going after the suppliers who keep them in business, we are hitting them where it hurts.",),
        ("Further designations are expected later this year as investigations continue.",),
        (), ("david-lammy",),
    ),
    GovStory(
        "government-response-to-committee-report-on-aid-to-sudan", FCDO, "government_response",
        "2025-05-14T16:45:00.000+01:00",
        "Government responds to International Development Committee report on Sudan",
        "The government accepts 11 of the committee’s 14 recommendations on humanitarian access and the protection of civilians in Sudan.",
        ("The government has today published its response to the International Development Committee’s report on the humanitarian crisis in Sudan.",
         "The response sets out how the UK will use its role as penholder on Sudan at the UN Security Council to press for humanitarian access across conflict lines, and how aid will be channelled through local responders where international agencies cannot operate.",
         "Three recommendations are not accepted, including a call to publish country-level allocations a year in advance, which the government says would reduce its ability to respond to changing needs."),
    ),
    GovStory(
        "british-embassy-belgrade-celebrates-ten-years-of-youth-exchange", FCDO, "world_news_story",
        "2025-03-11T12:00:00.000+00:00",
        "British Embassy Belgrade celebrates ten years of youth exchange programme",
        "More than 600 young people from Serbia have taken part in study visits to UK universities and councils since the scheme began.",
        ("The British Embassy in Belgrade hosted former participants, teachers and local officials to mark ten years of its youth leadership exchange.",
         "Each year around 60 students and young professionals spend two weeks in the UK, shadowing local councillors, visiting universities and meeting civil society groups.",
         "Alumni of the programme now work in Serbian ministries, newsrooms and start-ups, and several have set up volunteering projects in their home towns."),
        "The British Ambassador to Serbia said:",
        ("The energy and ideas of these young people are the best advertisement for the friendship between our two countries.",),
    ),
    GovStory(
        "new-powers-to-seize-phones-of-suspected-people-smugglers", HO, "press_release",
        "2025-08-05T00:01:00.000+01:00",
        "New powers to seize phones of suspected people smugglers come into force",
        "Border Force and police officers can now seize and search the mobile phones of people arriving illegally who are suspected of links to smuggling gangs.",
        ("Officers will be able to seize mobile phones and SIM cards from people arriving in the UK illegally where there are reasonable grounds to suspect they hold information about organised immigration crime.",
         "The powers, introduced by the Border Security, Asylum and Immigration Act, come into force today. Until now phones could usually only be taken after an arrest.",
         "Intelligence from devices has been central to recent prosecutions, revealing payment chains, WhatsApp groups used to advertise crossings and the identities of gang leaders in France and Belgium.",
         "Devices will be returned once examined unless they are needed as evidence."),
        "Home Secretary Shabana Mahmood said:",
        ("Smuggling gangs run their businesses through their phones. Getting hold of that information quickly means we can dismantle their networks faster.",),
        (), (), ("shabana-mahmood",),
    ),
    GovStory(
        "funding-boost-for-neighbourhood-policing-2025-to-2026", HO, "press_release",
        "2025-02-19T10:30:00.000+00:00",
        "£200 million to put more neighbourhood officers on the beat",
        "Every police force in England and Wales will receive funding for additional neighbourhood police officers and PCSOs in 2025 to 2026.",
        ("Forces across England and Wales will share £200 million this year to recruit and deploy neighbourhood officers, the Home Office has confirmed.",
         "Allocations are based on each force’s share of the police funding formula. The largest, the Metropolitan Police, will receive £36 million, while Dyfed-Powys will receive £1.9 million.",
         "Chief constables must publish a named contact for every neighbourhood and commit to responding to anti-social behaviour reports within agreed times.",
         "Progress will be tracked through a new neighbourhood policing dashboard published each quarter."),
    ),
    GovStory(
        "government-response-to-independent-review-of-police-vetting", HO, "government_response",
        "2025-07-01T14:00:00.000+01:00",
        "Government response to the independent review of police vetting",
        "Vetting decisions will become subject to statutory standards and officers who fail re-vetting can be dismissed.",
        ("The government has accepted in full the recommendations of the independent review into police vetting and misconduct.",
         "A statutory code of practice will set minimum standards for vetting decisions, and forces will be required to re-check every officer and staff member at least once every ten years.",
         "Where an officer fails re-vetting and cannot be redeployed, chief constables will have a clear power to dismiss them.",
         "The College of Policing will publish updated guidance by the end of the year."),
    ),
    GovStory(
        "knife-surrender-scheme-collects-over-2000-weapons", HO, "news_story",
        "2025-10-02T08:00:00.000+01:00",
        "Knife surrender scheme collects over 2,000 weapons in first month",
        "Ninja swords and zombie-style knives handed in at police stations ahead of the ban on possession.",
        ("More than 2,000 weapons were handed in during the first month of the national surrender and compensation scheme for ninja swords.",
         "Owners can claim compensation for items bought legally before the ban on possession takes effect. Drop-off points are available at designated police stations in every force area.",
         "Figures published today show West Midlands Police collected the largest number of weapons, followed by Greater Manchester and the Metropolitan Police."),
    ),
    GovStory(
        "e-bike-battery-fire-safety-campaign-launched", HO, "news_story",
        "2025-11-12T09:30:00.000+00:00",
        "Fire safety campaign urges checks on e-bike and e-scooter batteries",
        "Fire and rescue services report a rise in fires caused by lithium-ion batteries bought online or modified at home.",
        ("A new national campaign is asking owners of e-bikes and e-scooters to buy chargers from reputable sellers and never to charge batteries overnight or while blocking an exit.",
         "Fire and rescue services in England attended 190 fires linked to lithium-ion batteries in the first half of the year, many in flats where residents were trapped by smoke.",
         "The campaign will run on social media and in delivery-rider hubs, with material translated into 12 languages."),
    ),
    GovStory(
        "gigabit-broadband-reaches-5000-rural-premises-in-cumbria", DSIT, "press_release",
        "2025-04-24T10:00:00.000+01:00",
        "Gigabit broadband reaches 5,000 rural homes and businesses in Cumbria",
        "Farms, village halls and holiday lets in the Eden Valley are among the first to connect under a Project Gigabit contract.",
        ("More than 5,000 homes and businesses in rural Cumbria can now get gigabit-capable broadband thanks to a £28 million Project Gigabit contract.",
         "Engineers have laid over 300 kilometres of fibre across the Eden Valley and the northern Pennines, including to farms that previously relied on satellite connections.",
         "The contract will connect a further 9,000 premises by 2027. Residents can check whether they are included using the postcode checker on the Project Gigabit website."),
        "Telecoms minister said:",
        ("Reliable connections mean a farmer can file returns online, a B&B can take bookings and a family can work from home without driving to the nearest town.",),
    ),
    GovStory(
        "government-response-to-consultation-on-copyright-and-ai", DSIT, "government_response",
        "2025-09-18T15:00:00.000+01:00",
        "Government publishes response to consultation on copyright and artificial intelligence",
        "The response commits to technical working groups on transparency and rights reservation before any change to the law.",
        ("The government has published its response to the consultation on copyright and artificial intelligence, which received more than 11,000 replies.",
         "Respondents from the creative industries strongly opposed a broad exception for text and data mining, while technology firms argued that legal uncertainty was holding back investment in the UK.",
         "Ministers will convene working groups of creators, publishers and developers to agree standards for labelling training data and for machine-readable opt-outs. An economic impact assessment will be published alongside any legislative proposals."),
    ),
    GovStory(
        "app-store-code-of-practice-takes-effect", DSIT, "news_story",
        "2025-06-03T09:00:00.000+01:00",
        "Security and privacy code of practice for app stores takes effect",
        "Operators have signed up to remove apps with known vulnerabilities and explain more clearly what data apps collect.",
        ("All major app store operators serving UK users have now adopted the government’s voluntary code of practice for app store operators and developers.",
         "Under the code, stores must give developers a route to report and fix security vulnerabilities, and remove apps that are not updated after a serious flaw is found.",
         "Stores will also display clearer information on the permissions apps request, such as access to location or contacts.",
         "The National Cyber Security Centre will review adoption after 12 months."),
    ),
    GovStory(
        "quantum-computing-testbeds-funding-announced", DSIT, "press_release",
        "2025-11-06T11:00:00.000+00:00",
        "£45 million for quantum computing testbeds announced at national showcase",
        "Seven testbeds will let researchers and businesses try out different kinds of quantum computer on real problems.",
        ("Seven quantum computing testbeds will share £45 million to give researchers and companies hands-on access to early machines, the science minister announced at the National Quantum Technologies Showcase in London.",
         "The testbeds, hosted at the National Quantum Computing Centre in Oxfordshire, cover trapped-ion, superconducting, photonic and neutral-atom approaches.",
         "Early projects include optimising National Grid balancing, simulating battery chemistry and scheduling hospital operating theatres."),
        "Science minister said:",
        ("Putting these machines in the hands of people with real problems to solve is how we find out what quantum computing is good for.",),
    ),
    GovStory(
        "science-minister-opens-edinburgh-supercomputing-centre", DSIT, "news_story",
        "2025-01-28T13:15:00.000+00:00",
        "New supercomputing centre opens at the University of Edinburgh",
        "The centre will host the next national supercomputer and a training academy for research software engineers.",
        ("A new building to house the UK’s next national supercomputer has opened at the University of Edinburgh’s Advanced Computing Facility near Penicuik.",
         "The facility has been designed to reuse waste heat from its cooling systems to warm nearby university buildings.",
         "It will also host a training academy for research software engineers, with the first 40 places open to applicants from across the UK this spring."),
    ),
)

# The change applied by fixture update "update-1" to the seed release (sites.md §1a "Last updated").
UPDATE_1_PARA = ("The Foreign Secretary also confirmed that the UK will second two cyber security "
                 "specialists to the region to support the new £4 million project.")
UPDATE_1_NOTE = "Added details of UK cyber security specialists seconded to the region."
UPDATE_1_AT = "2025-10-10T09:30:00.000+01:00"

# The new item published by fixture update "update-1".
NEW_IN_UPDATE_1 = GovStory(
    "uk-and-western-balkans-partners-agree-joint-action-on-organised-immigration-crime", FCDO,
    "press_release", "2025-10-10T08:00:00.000+01:00",
    "UK and Western Balkans partners agree joint action on organised immigration crime",
    "Foreign ministers meeting at Hillsborough Castle agreed a statement on sharing intelligence and strengthening border management.",
    ("Foreign ministers from the Western Balkans and European partners have agreed a joint statement committing them to closer work against organised immigration crime.",
     "The statement, agreed at the close of the meeting at Hillsborough Castle, covers faster sharing of intelligence on smuggling routes, joint training for border guards and support for people identified as potential victims of trafficking.",
     "Ministers will review progress when Western Balkans leaders meet in London on 22 October."),
    "Foreign Secretary Yvette Cooper said:",
    ("Today we have agreed practical steps that will make it harder for smuggling gangs to operate across our region.",),
    (), (), ("yvette-cooper",),
)


@dataclass(frozen=True)
class OutletStory:
    """An outlet-only story (not a government copy): the spiders' filters must skip these."""

    key: str
    title: str
    standfirst: str
    paras: tuple[str, ...]
    published: str
    section: str = ""
    label: str = ""   # Mirage source label / Standard byline


MIRAGE_OTHER = (
    OutletStory("new-bat-cell-lines-advance-hantavirus", "New Bat Cell Lines Advance Hantavirus Research", "",
                ("Researchers have developed cell lines from three species of bat that allow hantaviruses to be grown in the laboratory for the first time.",
                 "The team says the cells will help explain why bats carry the viruses without falling ill, and could speed up the testing of antiviral drugs.",
                 "The work was published this week in a peer-reviewed virology journal."),
                "2025-09-24T03:12:40+00:00", label="University of Queensland"),
    OutletStory("nsw-opens-applications-for-regional-arts-grants", "NSW Opens Applications For Regional Arts Grants", "",
                ("Applications are now open for the NSW Government's regional arts fund, with grants of up to $50,000 available for festivals, galleries and community theatre.",
                 "Priority will be given to projects in towns with fewer than 10,000 residents.",
                 "Applications close on 30 November."),
                "2025-10-08T22:05:10+00:00", label="NSW Gov"),
)

INDEPENDENT_OTHER = (
    OutletStory("arsenal-brentford-premier-league-report", "Arsenal edge past Brentford to stay top of the table",
                "A late header settled a tense west London derby.",
                ("Arsenal stayed top of the Premier League with a narrow win at Brentford, settled by a header from a corner six minutes from time.",
                 "Brentford had the better of the first half and hit the post through a curling effort from the edge of the area.",
                 "The result leaves Arsenal two points clear before the international break."),
                "2025-10-05T18:40:00Z", section="sport/football"),
    OutletStory("booker-prize-2025-shortlist-announced", "Booker Prize 2025 shortlist features three debut novelists",
                "The judges praised a year of ‘fearless’ fiction.",
                ("Three debut novelists are among the six writers shortlisted for this year's Booker Prize.",
                 "The chair of the judges said the shortlist showed fiction willing to take risks with form.",
                 "The winner will be announced at a ceremony in London in November."),
                "2025-09-23T13:00:00Z", section="arts-entertainment/books/news"),
    OutletStory("storm-amy-weather-warning-scotland", "Storm Amy: Amber wind warning issued for western Scotland",
                "Gusts of up to 90mph are expected on exposed coasts.",
                ("The Met Office has issued an amber wind warning for western Scotland as Storm Amy approaches.",
                 "Ferry operators have cancelled sailings and rail passengers have been told to expect disruption.",
                 "The warning is in force from 3pm on Friday until 6am on Saturday."),
                "2025-10-02T15:20:00Z", section="news/uk/home-news"),
)

STANDARD_OTHER = (
    OutletStory("tube-strike-dates-rmt-october", "Tube strike: RMT announces new walkout dates",
                "Services across the network are expected to be severely disrupted.",
                ("The RMT union has announced two days of strike action on the London Underground later this month in a dispute over pay and fatigue.",
                 "Transport for London said it was disappointed and urged the union to return to talks.",
                 "Commuters have been advised to check before they travel."),
                "2025-10-06T11:05:00Z", section="news/transport"),
    OutletStory("hamlet-review-national-theatre", "Hamlet review: a restless, thrilling prince at the National",
                "A production that makes an old play feel urgent.",
                ("The National Theatre's new Hamlet moves at a furious pace, cutting the running time to under three hours.",
                 "The lead brings a nervous wit to the part that keeps the audience on edge.",
                 "It runs until January."),
                "2025-09-30T21:30:00Z", section="culture/theatre"),
)

ICONIC_LOCAL = {
    "www.donegallive.ie": (
        OutletStory("1914320/council-approves-5m-roads-programme-for-inishowen", "Council approves €5m roads programme for Inishowen", "",
                    ("Donegal County Council has approved a €5 million programme of road repairs across Inishowen for the coming year.",
                     "Councillors said the worst-affected routes around Buncrana and Carndonagh would be prioritised.",
                     "Work is expected to begin in the spring."),
                    "2025-10-07T16:00:00Z", section="news/local-news"),
        OutletStory("1913877/naomh-conaill-into-county-final-after-extra-time", "Naomh Conaill into county final after extra-time thriller", "",
                    ("Naomh Conaill booked their place in the Donegal senior football final after an extra-time win over Gaoth Dobhair in Ballybofey.",
                     "A late free levelled the game in normal time before the Glenties side pulled clear.",
                     "They will face Kilcar in the decider."),
                    "2025-10-05T19:30:00Z", section="sport/gaa"),
    ),
    "www.limerickleader.ie": (
        OutletStory("1914201/limerick-city-centre-cycle-lane-plans-go-on-display", "Limerick city centre cycle lane plans go on display", "",
                    ("Plans for a segregated cycle lane along O'Connell Street have gone on public display at City Hall.",
                     "Limerick City and County Council said the scheme would link the university with the city centre.",
                     "Submissions can be made until the end of November."),
                    "2025-10-08T12:10:00Z", section="news/local-news"),
        OutletStory("1913990/treaty-united-confirm-new-manager", "Treaty United confirm new manager ahead of next season", "",
                    ("Treaty United have confirmed the appointment of a new first-team manager on a two-year contract.",
                     "The club said pre-season training would begin in January at the Markets Field.",
                     "Supporters will have the chance to meet the new boss at an open evening."),
                    "2025-10-06T18:00:00Z", section="sport/soccer"),
    ),
}
