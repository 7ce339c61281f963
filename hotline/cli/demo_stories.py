# Bulgarian lines are Cyrillic on purpose.
# ruff: noqa: RUF001
"""The words of the demo history (``demo_history``): short, made-up lines per category in each
language the demo staff work in, and what staff write back. All fictional: no real person,
school or event. None says a child is in danger now or thinks of harming themselves (a test
runs them through the triage word lists), so the history raises no alarm."""

from __future__ import annotations

from typing import Final

# category -> language -> what a child (or someone for them) wrote.
STORIES: Final[dict[str, dict[str, list[str]]]] = {
    "bullying": {
        "en": [
            "Two boys in my year take my lunch money every Monday and laugh about it.",
            "A group of girls tells everyone not to sit with me at break.",
        ],
        "fr": ["Des grands me poussent dans le couloir et cachent mon cartable."],
        "bg": ["Едни момчета от класа ми вземат закуската всеки ден."],
        "fil": ["Palaging kinukuha ng mga kaklase ko ang baon ko tuwing recess."],
    },
    "cyberbullying": {
        "en": [
            "Someone made a fake account with my picture and posts mean jokes about me.",
            "My class chat shares edited photos of me and I feel embarrassed to go in.",
        ],
        "fr": ["Des camarades se moquent de moi dans un groupe de discussion de la classe."],
        "bg": ["Съученици ми пишат обидни съобщения в груповия чат на класа."],
        "fil": ["May gumawa ng pekeng account gamit ang litrato ko at pinagtatawanan ako."],
    },
    "corporal_punishment": {
        "en": [
            "Our teacher makes us stand in the sun for an hour when we forget homework.",
            "The sports coach slaps pupils on the back of the head when they are slow.",
        ],
        "fr": ["Le maître nous tape sur les doigts avec une règle quand on parle."],
        "bg": ["Учителят ни дърпа ушите, когато не знаем урока."],
        "fil": ["Pinapalo kami ng guro ng patpat kapag maingay kami sa klase."],
    },
    "emotional_abuse": {
        "en": [
            "My teacher calls me stupid in front of everyone whenever I get an answer wrong.",
            "At home they keep telling me I am the reason everything goes badly.",
        ],
        "fr": ["Mon professeur dit devant toute la classe que je ne sers à rien."],
        "bg": ["Вкъщи постоянно ми казват, че съм безполезна."],
        "fil": ["Lagi akong sinisigawan at sinasabihang wala akong kwenta sa bahay."],
    },
    "physical_abuse": {
        "en": [
            "My uncle pushes me against the wall when he is angry and I have bruises.",
            "An older boy at the bus stop kicks me most mornings.",
        ],
        "fr": ["Mon oncle me bouscule quand il se fâche et j'ai des bleus."],
        "bg": ["Вуйчо ми ме блъска, когато е ядосан, и имам синини."],
        "fil": ["Tinutulak ako ng tito ko kapag galit siya at may mga pasa ako."],
    },
    "neglect": {
        "en": [
            "My little brother and I are often alone at home for days without food.",
            "A pupil in my class comes to school hungry and in the same clothes all week.",
        ],
        "fr": ["Mon petit frère et moi restons souvent seuls à la maison sans repas."],
        "bg": ["С брат ми често оставаме сами вкъщи без храна."],
        "fil": ["Madalas kaming naiiwan ng kapatid ko sa bahay nang walang pagkain."],
    },
    "discrimination": {
        "en": [
            "Some pupils make fun of my accent and say I do not belong here.",
            "I am left out of team games because of where my family comes from.",
        ],
        "fr": ["On se moque de mon accent et on dit que je ne suis pas d'ici."],
        "bg": ["Подиграват ми се заради акцента и казват, че не съм от тук."],
        "fil": ["Pinagtatawanan nila ang punto ko at sinasabing hindi ako taga-rito."],
    },
    "sexual_abuse": {
        "en": [
            "An older relative touches me in ways I do not like when we are alone.",
            "A neighbour keeps asking me to come to his flat and it makes me uncomfortable.",
        ],
        "fr": ["Un voisin me demande de venir chez lui seul et cela me met mal à l'aise."],
        "bg": ["Един съсед все ме кани да отида сама у тях и това ме притеснява."],
        "fil": ["Palaging pinapapunta ako ng kapitbahay sa bahay niya nang mag-isa."],
    },
    "child_labour": {
        "en": [
            "I have to work at the market every morning so I miss the first lessons.",
            "My friend works on a farm after school until late and falls asleep in class.",
        ],
        "fr": ["Je dois travailler au marché tous les matins et je rate les cours."],
        "bg": ["Всяка сутрин работя на пазара и изпускам първите часове."],
        "fil": ["Kailangan kong magtrabaho sa palengke tuwing umaga kaya lumiliban ako."],
    },
    "other": {
        "en": [
            "I do not know who to talk to about problems at home and at school.",
            "Something happened on the school trip and I want to talk to someone.",
        ],
        "fr": ["Je ne sais pas à qui parler de ce qui se passe à la maison."],
        "bg": ["Не знам с кого да говоря за проблемите вкъщи."],
        "fil": ["Hindi ko alam kung kanino ako magsasabi tungkol sa problema sa bahay."],
    },
}

# What the caseworker writes back first, in the case's language (to the follow-up inbox).
FIRST_REPLY: Final[dict[str, str]] = {
    "en": "Thank you for telling us. A caseworker is looking at your report.",
    "fr": "Merci de nous avoir écrit. Une personne de notre équipe regarde ton message.",
    "bg": "Благодарим ти, че ни писа. Наш служител разглежда сигнала ти.",
    "fil": "Salamat sa pagsabi sa amin. May caseworker na tumitingin sa iyong ulat.",
}

# Staff-written lines (English, like the console): for the partner, the file and the closure.
REFERRAL_SUMMARY: Final = (
    "Demo case (fictional): {category} reported by a child aged {age}. The child agreed to "
    "a referral; please arrange support and let us know."
)
NO_REFERRAL: Final = "Advice given to the child; no partner is needed for now."
CHILD_VIEWS: Final = [
    "The child wants it to stop and is happy for the school to be told.",
    "The child says things are better now and does not want more contact.",
    "The child would like to talk to the school counsellor.",
    "The child wants to stay at the same school and feel safe there.",
]
