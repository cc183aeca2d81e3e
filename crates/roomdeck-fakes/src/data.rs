//! Realistic, deterministic content: names in many scripts, emoji, right-to-left text, long
//! topics, chatty last messages. Everything is a pure function of (seed, index).

use crate::rng::Rng;

const FIRST: &[&str] = &[
    "Alice",
    "Bruno",
    "Chloé",
    "Dmitri",
    "Eun-ji",
    "Fatima",
    "Gustavo",
    "Hiroshi",
    "Ingrid",
    "José",
    "Katarzyna",
    "Lars",
    "Mei",
    "Noah",
    "Olúwaseun",
    "Priya",
    "Quentin",
    "Rafael",
    "Saanvi",
    "Tomás",
    "Ümit",
    "Valentina",
    "Wojciech",
    "Xiu",
    "Yasmin",
    "Zoë",
    "Ahmed",
    "Björn",
    "Camille",
    "Diego",
    "Élodie",
    "François",
    "Gökhan",
    "Hannah",
    "Ilse",
    "Jürgen",
    "Kwame",
    "Léa",
    "Magnús",
    "Nadia",
    "Oskar",
    "Paulína",
    "Renée",
    "Søren",
];
const FIRST_NONLATIN: &[&str] = &[
    "Алексей",
    "Мария",
    "Дмитрий",
    "Ελένη",
    "Γιώργος",
    "محمد",
    "فاطمة",
    "יעל",
    "אורי",
    "さくら",
    "太郎",
    "李娜",
    "王伟",
    "김민준",
    "이서연",
    "Ананд",
    "สมชาย",
    "Նարեկ",
    "ნინო",
];
const LAST: &[&str] = &[
    "Martin",
    "Nakamura",
    "Okafor",
    "Petrović",
    "Quispe",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Ueda",
    "Varga",
    "Wójcik",
    "Xu",
    "Yılmaz",
    "Zhang",
    "Andersson",
    "Brown",
    "Castro",
    "Dubois",
    "Eriksen",
    "Fernández",
    "García",
    "Hansen",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "López",
    "Müller",
    "Novák",
    "O'Brien",
    "Pérez",
];
const TOPICS: &[&str] = &[
    "engineering",
    "design",
    "marketing",
    "support",
    "sales",
    "ops",
    "infra",
    "mobile",
    "web",
    "data",
    "security",
    "release",
    "qa",
    "billing",
    "growth",
    "research",
    "hiring",
    "legal",
    "finance",
    "platform",
    "docs",
    "onboarding",
    "incidents",
    "random",
    "general",
    "announcements",
    "kitchen",
    "book-club",
    "music",
    "travel",
    "games",
    "pets",
];
const QUALIFIERS: &[&str] = &[
    "team", "guild", "sync", "chat", "lounge", "war-room", "standup", "retro", "café", "corner", "hub", "squad",
    "triage", "planning", "alerts", "backlog", "review", "help",
];
const NONLATIN_ROOMS: &[&str] = &[
    "Разработка",
    "Поддержка клиентов",
    "Общий чат",
    "Ομάδα σχεδίασης",
    "فريق المبيعات",
    "الدعم الفني",
    "צוות פיתוח",
    "開発チーム",
    "雑談",
    "产品讨论",
    "技术支持",
    "개발팀",
    "마케팅",
    "Équipe café ☕",
    "Straße & Co",
    "नई परियोजना",
    "ทีมงาน",
    "Müşteri Hizmetleri",
];
const EMOJI: &[&str] = &["🚀", "🎉", "🔥", "💬", "🛠️", "📦", "🌍", "☕", "🐛", "✅", "📣", "🎨", "🧪", "🐶", "🎵"];
const MESSAGES: &[&str] = &[
    "Sounds good, let's ship it today",
    "Can someone review my PR? It's small, promise 🙏",
    "The build is green again ✅",
    "I'll be 5 minutes late to the standup",
    "Does anyone know why staging is slow?",
    "Merged! Thanks everyone",
    "Here's the link to the design doc",
    "👍",
    "Let's take this offline",
    "Lunch at noon? 🍜",
    "Привет! Посмотри, пожалуйста, мой комментарий",
    "شكراً جزيلاً على المساعدة",
    "תודה רבה, זה עבד",
    "了解しました、明日確認します",
    "好的，我们明天再讨论",
    "Deploy window opens at 14:00 UTC",
    "Customer reported the issue is fixed 🎉",
    "Can we move the retro to Friday?",
    "New release notes are up: v2.14.0",
    "FYI the VPN will be down tonight for maintenance",
];

pub fn person(seed: u64, i: u64) -> (String, String) {
    let mut r = Rng::for_item(seed, "person", i);
    let first = if r.chance(0.2) { *r.pick(FIRST_NONLATIN) } else { *r.pick(FIRST) };
    let last = *r.pick(LAST);
    let name = format!("{first} {last}");
    let username =
        format!("{}.{}", ascii_slug(first).unwrap_or_else(|| format!("user{i}")), ascii_slug(last).unwrap_or_default());
    (username, name)
}

/// A lowercase ASCII slug, or None when nothing ASCII is left.
pub fn ascii_slug(s: &str) -> Option<String> {
    let out: String = s
        .chars()
        .map(|c| match c {
            'é' | 'è' | 'ë' | 'É' => 'e',
            'ó' | 'ö' | 'ø' | 'Ø' => 'o',
            'ü' | 'ú' | 'Ü' => 'u',
            'á' | 'à' | 'å' => 'a',
            'í' | 'ı' => 'i',
            'ç' => 'c',
            'ñ' => 'n',
            'ł' => 'l',
            'ś' => 's',
            'ć' => 'c',
            'ž' => 'z',
            'ğ' => 'g',
            c => c,
        })
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    if out.is_empty() { None } else { Some(out) }
}

/// A room name: (slug handle, display name).
pub fn room_name(seed: u64, i: u64) -> (String, String) {
    let mut r = Rng::for_item(seed, "room-name", i);
    let display = match r.below(10) {
        0 => format!("{} {}", r.pick(EMOJI), r.pick(TOPICS)),
        1 => (*r.pick(NONLATIN_ROOMS)).to_string(),
        2 => {
            let t: &&str = r.pick(TOPICS);
            format!("{} {}", capitalize(t), r.pick(QUALIFIERS))
        }
        _ => format!("{}-{}", r.pick(TOPICS), r.pick(QUALIFIERS)),
    };
    let handle = format!("{}-{i}", ascii_slug(&display.replace(' ', "-")).unwrap_or_else(|| "room".into()));
    (handle, display)
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

pub fn topic(seed: u64, i: u64) -> Option<String> {
    let mut r = Rng::for_item(seed, "topic", i);
    match r.below(6) {
        0 => None,
        1 => Some(
            "Everything about the quarterly roadmap: priorities, owners, risks and the decisions we made along the way. \
             Please keep threads focused; long discussions go to the wiki. Office hours: Tue/Thu 15:00–16:00 CET. "
                .repeat(1 + r.below(3) as usize)
                .trim_end()
                .to_string(),
        ),
        2 => Some(format!("{} Weekly sync notes and links", r.pick(EMOJI))),
        3 => Some("نقاشات الفريق اليومية — daily team discussions".to_string()),
        _ => Some(format!("Questions about {} go here", r.pick(TOPICS))),
    }
}

pub fn message(seed: u64, i: u64) -> String {
    let mut r = Rng::for_item(seed, "message", i);
    (*r.pick(MESSAGES)).to_string()
}

/// Hostile strings a careless client would execute.
pub const HOSTILE_NAMES: &[&str] = &[
    "<img src=x onerror=\"document.title='pwned'\">",
    "<script>document.title='pwned'</script>",
    "\"><svg onload=alert(1)>",
];
