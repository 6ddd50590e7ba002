/*
 * gen/thelook_data.c — the reference tables the thelook generator draws from.
 *
 * The categories, departments, distribution centres, order statuses, traffic
 * sources and browsers are thelook's own vocabulary; the weights follow the
 * shares the public dataset shows (China, the United States and Brasil
 * dominate the countries; Search dominates user traffic, Email event
 * traffic; Shipped/Complete/Processing lead the statuses). Names, brands,
 * streets and product words are a small hand-written vocabulary, chosen to
 * include commas, double quotes and non-ASCII letters so CSV quoting and
 * UTF-8 handling are exercised. Nothing here is copied from the dataset.
 */
#include "gen/thelook_data.h"

#include <stddef.h>

#define N_(a) (sizeof(a) / sizeof((a)[0]))

static const char *const n_accessories[] = {"Leather Belt", "Wool Scarf", "Baseball Cap", "Beanie",
	"Sunglasses", "Wallet", "Tote Bag", "Silk Tie", NULL};
static const char *const n_active[] = {"Training Tee", "Running Shorts", "Track Jacket",
	"Sports Bra", "Performance Tank", "Yoga Pant", NULL};
static const char *const n_blazers[] = {"Blazer", "Boyfriend Blazer", "Moto Jacket",
	"Denim Jacket", NULL};
static const char *const n_sets[] = {"Two-Piece Set", "Pajama Set", "Lounge Set", NULL};
static const char *const n_dresses[] = {"Maxi Dress", "Wrap Dress", "Shift Dress",
	"Cocktail Dress", "Sundress", NULL};
static const char *const n_hoodies[] = {"Pullover Hoodie", "Zip Hoodie", "Crewneck Sweatshirt",
	"Fleece Hoodie", NULL};
static const char *const n_intimates[] = {"Bralette", "Lace Bra", "Hipster Panty", "Camisole",
	"Thong", "Slip", NULL};
static const char *const n_jeans[] = {"Skinny Jean", "Straight Leg Jean", "Bootcut Jean",
	"Relaxed Fit Jean", "Slim Jean", NULL};
static const char *const n_jumpsuits[] = {"Jumpsuit", "Romper", "Overall", NULL};
static const char *const n_leggings[] = {"Legging", "Capri Legging", "Jegging", NULL};
static const char *const n_maternity[] = {"Maternity Top", "Maternity Jean", "Nursing Bra",
	"Maternity Dress", NULL};
static const char *const n_outerwear[] = {"Parka", "Down Jacket", "Trench Coat", "Peacoat",
	"Rain Jacket", "Puffer Vest", NULL};
static const char *const n_pants[] = {"Chino Pant", "Cargo Pant", "Jogger", "Dress Pant",
	"Corduroy Pant", NULL};
static const char *const n_capris[] = {"Capri Pant", "Cropped Pant", "Wide Leg Pant", NULL};
static const char *const n_plus[] = {"Plus Size Tunic", "Plus Size Cardigan", "Plus Size Blouse",
	NULL};
static const char *const n_shorts[] = {"Cargo Short", "Board Short", "Denim Short",
	"Chino Short", NULL};
static const char *const n_skirts[] = {"Pencil Skirt", "Pleated Skirt", "Mini Skirt",
	"A-Line Skirt", NULL};
static const char *const n_sleep[] = {"Pajama Pant", "Sleep Shirt", "Robe", "Nightgown",
	"Lounge Pant", NULL};
static const char *const n_socks[] = {"Crew Socks", "Ankle Socks", "Dress Socks",
	"Athletic Socks", NULL};
static const char *const n_hosiery[] = {"Tights", "Knee High Socks", "Pantyhose", NULL};
static const char *const n_suits[] = {"Pant Suit", "Skirt Suit", "Tuxedo Suit", NULL};
static const char *const n_sportcoats[] = {"Sport Coat", "Suit Separate Jacket", "Two-Button Suit",
	"Tweed Sport Coat", NULL};
static const char *const n_sweaters[] = {"Cardigan", "V-Neck Sweater", "Cable Knit Sweater",
	"Turtleneck", NULL};
static const char *const n_swim[] = {"Swim Trunk", "Bikini Top", "One-Piece Swimsuit",
	"Rash Guard", NULL};
static const char *const n_tops[] = {"Crew Neck Tee", "V-Neck Tee", "Henley", "Polo Shirt",
	"Tank Top", "Oxford Shirt", NULL};
static const char *const n_underwear[] = {"Boxer Brief", "Trunk", "Boxer", "Undershirt", NULL};

/* weight: products per category in the public dataset, roughly. */
const struct gen__category gen__categories[] = {
	{"Accessories", "accessories", 2, 1559, 2900, n_accessories},
	{"Active", "active", 2, 1289, 4200, n_active},
	{"Blazers & Jackets", "blazers-jackets", 0, 412, 8900, n_blazers},
	{"Clothing Sets", "clothing-sets", 0, 79, 6200, n_sets},
	{"Dresses", "dresses", 0, 1010, 7400, n_dresses},
	{"Fashion Hoodies & Sweatshirts", "fashion-hoodies-sweatshirts", 2, 1866, 4600, n_hoodies},
	{"Intimates", "intimates", 0, 2363, 2400, n_intimates},
	{"Jeans", "jeans", 2, 1999, 6900, n_jeans},
	{"Jumpsuits & Rompers", "jumpsuits-rompers", 0, 180, 5200, n_jumpsuits},
	{"Leggings", "leggings", 0, 247, 2300, n_leggings},
	{"Maternity", "maternity", 0, 660, 3900, n_maternity},
	{"Outerwear & Coats", "outerwear-coats", 2, 1260, 12500, n_outerwear},
	{"Pants", "pants", 2, 1083, 5400, n_pants},
	{"Pants & Capris", "pants-capris", 0, 426, 4300, n_capris},
	{"Plus", "plus", 0, 462, 4000, n_plus},
	{"Shorts", "shorts", 2, 1542, 3600, n_shorts},
	{"Skirts", "skirts", 0, 364, 4100, n_skirts},
	{"Sleep & Lounge", "sleep-lounge", 2, 1735, 3400, n_sleep},
	{"Socks", "socks", 1, 1027, 1300, n_socks},
	{"Socks & Hosiery", "socks-hosiery", 0, 296, 1400, n_hosiery},
	{"Suits", "suits", 0, 141, 11000, n_suits},
	{"Suits & Sport Coats", "suits-sport-coats", 1, 747, 16000, n_sportcoats},
	{"Sweaters", "sweaters", 2, 1720, 6100, n_sweaters},
	{"Swim", "swim", 2, 1463, 4400, n_swim},
	{"Tops & Tees", "tops-tees", 2, 1868, 2900, n_tops},
	{"Underwear", "underwear", 1, 866, 2100, n_underwear},
};
const unsigned gen__ncategories = N_(gen__categories);

const struct gen__weighted gen__brands[] = {
	{"Allegra K", 40}, {"Calvin Klein", 35}, {"Carhartt", 25}, {"Hanes", 30},
	{"Levi's", 30}, {"Nautica", 20}, {"Columbia", 22}, {"Quiksilver", 18},
	{"Volcom", 16}, {"Diesel", 14}, {"Hurley", 14}, {"Champion", 20},
	{"Puma", 18}, {"adidas", 22}, {"Nike", 25}, {"Under Armour", 20},
	{"Speedo", 10}, {"Ralph Lauren", 24}, {"Dockers", 15}, {"Wrangler", 16},
	{"Lee", 14}, {"Jockey", 15}, {"Fruit of the Loom", 16}, {"Haggar", 10},
	{"Dickies", 14}, {"Hugo Boss", 12}, {"Tommy Hilfiger", 24}, {"Kenneth Cole", 12},
	{"Jones New York", 10}, {"Anne Klein", 10}, {"Steve Madden", 10}, {"Vince Camuto", 10},
	{"True Religion", 12}, {"7 For All Mankind", 12}, {"Lucky Brand", 14}, {"Joe's Jeans", 10},
	{"Chloé", 6}, {"Agnès b.", 6}, {"Café Coton", 5}, {"Björn Borg", 6},
	{"Señorita Lingerie", 5}, {"Søstrene", 4}, {"Maison Lumière", 5}, {"Crème de la Mode", 4},
	{"Zoë & Co", 5}, {"Wacoal", 12}, {"Maidenform", 12}, {"Spanx", 10},
	{"Motherhood Maternity", 10}, {"Woolrich", 8}, {"Pendleton", 8}, {"Patagonia", 12},
	{"The North Face", 16}, {"Merona", 8}, {"Dockers, Inc.", 4}, {"\"Retro\" Threads", 4},
};
const unsigned gen__nbrands = N_(gen__brands);

const char *const gen__adjectives[] = {"Classic", "Slim Fit", "Relaxed", "Vintage", "Stretch",
	"Organic Cotton", "Lightweight", "Heathered", "Quilted", "Striped", "Printed",
	"Essential", "Premium", "Soft Touch", "Ribbed", "Cotton Blend", "Merino", "Washed",
	"Crinkle", "Tailored", "Moisture-Wicking", "Plaid", "Floral", "Crêpe", "Bouclé"};
const unsigned gen__nadjectives = N_(gen__adjectives);

const char *const gen__suffixes[] = {"", "", "", "", "", ", Black", ", Navy, Large",
	" (Pack of 3)", " - 32\" Inseam", " 12\" Hem", ", Grey Heather", " - Regular & Big",
	", Naïve Blue", " \"Weekend\" Edition", ", Crème", " for Men & Women"};
const unsigned gen__nsuffixes = N_(gen__suffixes);

const struct gen__name gen__first_f[] = {
	{"Mary", "mary"}, {"Patricia", "patricia"}, {"Jennifer", "jennifer"},
	{"Linda", "linda"}, {"Elizabeth", "elizabeth"}, {"Barbara", "barbara"},
	{"Susan", "susan"}, {"Jessica", "jessica"}, {"Sarah", "sarah"}, {"Karen", "karen"},
	{"Lisa", "lisa"}, {"Nancy", "nancy"}, {"Ashley", "ashley"}, {"Emily", "emily"},
	{"Michelle", "michelle"}, {"Amanda", "amanda"}, {"Melissa", "melissa"},
	{"Stephanie", "stephanie"}, {"Rebecca", "rebecca"}, {"Laura", "laura"},
	{"Zoë", "zoe"}, {"Chloé", "chloe"}, {"Inès", "ines"}, {"María", "maria"},
	{"Sofía", "sofia"}, {"Ana Lúcia", "analucia"}, {"Jürgen", "jurgen"}, {"Mei", "mei"},
	{"Yuna", "yuna"}, {"Ji-woo", "jiwoo"}, {"Léa", "lea"}, {"Björk", "bjork"},
	{"Katherine \"Kate\"", "katherine"}, {"Hannah", "hannah"}, {"Olivia", "olivia"},
	{"Emma", "emma"}, {"Camila", "camila"}, {"Xiu", "xiu"}, {"Françoise", "francoise"},
	{"Renée", "renee"},
};
const unsigned gen__nfirst_f = N_(gen__first_f);

const struct gen__name gen__first_m[] = {
	{"James", "james"}, {"John", "john"}, {"Robert", "robert"}, {"Michael", "michael"},
	{"William", "william"}, {"David", "david"}, {"Richard", "richard"},
	{"Joseph", "joseph"}, {"Thomas", "thomas"}, {"Charles", "charles"},
	{"Christopher", "christopher"}, {"Daniel", "daniel"}, {"Matthew", "matthew"},
	{"Anthony", "anthony"}, {"Mark", "mark"}, {"Steven", "steven"}, {"Paul", "paul"},
	{"Andrew", "andrew"}, {"Joshua", "joshua"}, {"Kevin", "kevin"}, {"José", "jose"},
	{"François", "francois"}, {"Jörg", "jorg"}, {"Søren", "soren"}, {"João", "joao"},
	{"Andrés", "andres"}, {"Wei", "wei"}, {"Hiroshi", "hiroshi"}, {"Min-jun", "minjun"},
	{"Łukasz", "lukasz"}, {"René", "rene"}, {"Zoltán", "zoltan"},
	{"William \"Bill\"", "william"}, {"Lucas", "lucas"}, {"Gabriel", "gabriel"},
	{"Noah", "noah"}, {"Liam", "liam"}, {"Hao", "hao"}, {"Mateo", "mateo"},
	{"Jean-Luc", "jeanluc"},
};
const unsigned gen__nfirst_m = N_(gen__first_m);

const struct gen__name gen__last[] = {
	{"Smith", "smith"}, {"Johnson", "johnson"}, {"Williams", "williams"},
	{"Brown", "brown"}, {"Jones", "jones"}, {"Garcia", "garcia"}, {"Miller", "miller"},
	{"Davis", "davis"}, {"Rodriguez", "rodriguez"}, {"Martinez", "martinez"},
	{"Hernandez", "hernandez"}, {"Lopez", "lopez"}, {"Gonzalez", "gonzalez"},
	{"Wilson", "wilson"}, {"Anderson", "anderson"}, {"Thomas", "thomas"},
	{"Taylor", "taylor"}, {"Moore", "moore"}, {"Jackson", "jackson"}, {"Martin", "martin"},
	{"Lee", "lee"}, {"Perez", "perez"}, {"Thompson", "thompson"}, {"White", "white"},
	{"Harris", "harris"}, {"Clark", "clark"}, {"Lewis", "lewis"}, {"Walker", "walker"},
	{"Young", "young"}, {"Allen", "allen"}, {"Wang", "wang"}, {"Li", "li"},
	{"Zhang", "zhang"}, {"Liu", "liu"}, {"Chen", "chen"}, {"Kim", "kim"}, {"Park", "park"},
	{"Silva", "silva"}, {"Gonçalves", "goncalves"}, {"Araújo", "araujo"},
	{"Müller", "muller"}, {"Schröder", "schroder"}, {"Weiß", "weiss"},
	{"Dubois", "dubois"}, {"Lefèvre", "lefevre"}, {"Núñez", "nunez"},
	{"García Márquez", "garciamarquez"}, {"O'Brien", "obrien"}, {"D'Angelo", "dangelo"},
	{"Sato", "sato"}, {"Suzuki", "suzuki"}, {"Nowak", "nowak"}, {"Wójcik", "wojcik"},
	{"Jensen", "jensen"}, {"Ødegaard", "odegaard"}, {"Peeters", "peeters"},
	{"Smith, Jr.", "smithjr"}, {"Brown, III", "browniii"}, {"Nguyen", "nguyen"},
	{"Rossi", "rossi"},
};
const unsigned gen__nlast = N_(gen__last);

const char *const gen__streets[] = {"Oak", "Maple", "Cedar", "Pine", "Elm", "Washington",
	"Lake", "Hill", "Park", "Main", "Sunset", "Ridge", "River", "Church", "Mill",
	"Spring", "Highland", "Meadow", "Forest", "Valley", "Chestnut", "Walnut", "Willow",
	"Jefferson", "Lincoln", "Madison", "Franklin", "Adams"};
const unsigned gen__nstreets = N_(gen__streets);
const char *const gen__street_types[] = {"Street", "Avenue", "Road", "Lane", "Drive",
	"Court", "Boulevard", "Way", "Place"};
const unsigned gen__nstreet_types = N_(gen__street_types);

/* weight: per ten thousand users, roughly thelook's country mix. */
const struct gen__city gen__cities[] = {
	/* China ~34% */
	{"China", "Guangdong", "Shenzhen", 22543099, 114057868, "518###", 500},
	{"China", "Guangdong", "Guangzhou", 23129110, 113264385, "510###", 480},
	{"China", "Shanghai", "Shanghai", 31230416, 121473701, "200###", 600},
	{"China", "Beijing", "Beijing", 39904200, 116407396, "100###", 550},
	{"China", "Zhejiang", "Hangzhou", 30274084, 120155070, "310###", 300},
	{"China", "Jiangsu", "Nanjing", 32060255, 118796877, "210###", 260},
	{"China", "Sichuan", "Chengdu", 30572815, 104066801, "610###", 300},
	{"China", "Hubei", "Wuhan", 30592850, 114305539, "430###", 220},
	{"China", "Shandong", "Qingdao", 36067108, 120382609, "266###", 190},
	/* United States ~22.5% */
	{"United States", "California", "Los Angeles", 34052234, -118243685, "900##", 400},
	{"United States", "California", "San Francisco", 37774929, -122419416, "941##", 200},
	{"United States", "Texas", "Houston", 29760427, -95369803, "770##", 240},
	{"United States", "Texas", "Austin", 30267153, -97743061, "787##", 120},
	{"United States", "New York", "New York", 40712776, -74005974, "100##", 300},
	{"United States", "Florida", "Miami", 25761680, -80191790, "331##", 170},
	{"United States", "Illinois", "Chicago", 41878114, -87629798, "606##", 190},
	{"United States", "Washington", "Seattle", 47606209, -122332071, "981##", 110},
	{"United States", "Pennsylvania", "Philadelphia", 39952584, -75165222, "191##", 120},
	{"United States", "Georgia", "Atlanta", 33748995, -84387982, "303##", 100},
	{"United States", "Ohio", "Columbus", 39961176, -82998794, "432##", 80},
	{"United States", "District of Columbia", "Washington, D.C.", 38907192, -77036871, "200##", 70},
	{"United States", "Massachusetts", "Boston", 42360082, -71058880, "021##", 100},
	{"United States", "Arizona", "Phoenix", 33448377, -112074037, "850##", 50},
	/* Brasil ~14.5% */
	{"Brasil", "São Paulo", "São Paulo", -23550520, -46633309, "01###-###", 600},
	{"Brasil", "Rio de Janeiro", "Rio de Janeiro", -22906847, -43172896, "20###-###", 350},
	{"Brasil", "Minas Gerais", "Belo Horizonte", -19916681, -43934493, "30###-###", 200},
	{"Brasil", "Paraná", "Curitiba", -25428954, -49267137, "80###-###", 140},
	{"Brasil", "Ceará", "Fortaleza", -3731862, -38526669, "60###-###", 110},
	{"Brasil", "Pará", "Belém", -1455833, -48503887, "66###-###", 50},
	/* South Korea ~5.3% */
	{"South Korea", "Seoul", "Seoul", 37566535, 126977969, "0####", 300},
	{"South Korea", "Busan", "Busan", 35179554, 129075642, "4####", 130},
	{"South Korea", "Gyeonggi-do", "Suwon", 37263573, 127028601, "16###", 100},
	/* France ~4.7% */
	{"France", "Île-de-France", "Paris", 48856614, 2352222, "750##", 250},
	{"France", "Auvergne-Rhône-Alpes", "Lyon", 45764043, 4835659, "6900#", 100},
	{"France", "Provence-Alpes-Côte d'Azur", "Marseille", 43296482, 5369780, "130##", 80},
	{"France", "Occitanie", "Toulouse", 43604652, 1444209, "310##", 40},
	/* United Kingdom ~4.6% */
	{"United Kingdom", "England", "London", 51507351, -127758, "SW# #AA", 280},
	{"United Kingdom", "England", "Manchester", 53480759, -2242631, "M# #AB", 90},
	{"United Kingdom", "Scotland", "Edinburgh", 55953252, -3188267, "EH# #QZ", 50},
	{"United Kingdom", "Wales", "Cardiff", 51481583, -3179090, "CF## #BN", 40},
	/* Germany ~4.2% */
	{"Germany", "Berlin", "Berlin", 52520007, 13404954, "10###", 170},
	{"Germany", "Bayern", "München", 48135125, 11581981, "80###", 110},
	{"Germany", "Nordrhein-Westfalen", "Köln", 50937531, 6960279, "50###", 80},
	{"Germany", "Nordrhein-Westfalen", "Düsseldorf", 51227741, 6773456, "40###", 60},
	/* Spain ~4% */
	{"Spain", "Madrid", "Madrid", 40416775, -3703790, "280##", 180},
	{"Spain", "Cataluña", "Barcelona", 41385064, 2173403, "080##", 150},
	{"Spain", "Andalucía", "Málaga", 36721261, -4421266, "290##", 70},
	/* Japan ~2.4% */
	{"Japan", "Tokyo", "Tokyo", 35689487, 139691706, "1##-####", 150},
	{"Japan", "Osaka", "Osaka", 34693738, 135502165, "5##-####", 90},
	/* Australia ~2.2% */
	{"Australia", "New South Wales", "Sydney", -33868820, 151209296, "2###", 120},
	{"Australia", "Victoria", "Melbourne", -37813628, 144963058, "3###", 100},
	/* Belgium ~1.2% */
	{"Belgium", "Brussels", "Brussels", 50850346, 4351721, "1###", 70},
	{"Belgium", "Flanders", "Antwerpen", 51219448, 4402464, "2###", 50},
	/* small shares */
	{"Poland", "Mazowieckie", "Warszawa", 52229676, 21012229, "0#-###", 15},
	{"Poland", "Małopolskie", "Kraków", 50064650, 19944980, "3#-###", 8},
	{"Colombia", "Bogotá", "Bogotá", 4710989, -74072092, "11####", 10},
	{"Austria", "Wien", "Wien", 48208174, 16373819, "1###", 3},
	{"España", "Madrid", "Alcalá de Henares", 40481979, -3364300, "288##", 1},
};
const unsigned gen__ncities = N_(gen__cities);

/* thelook's ten distribution centres. */
const struct gen__center gen__centers[] = {
	{"Memphis TN", 35117400, -89971100, 12},
	{"Chicago IL", 41836900, -87684700, 11},
	{"Houston TX", 29760400, -95369800, 11},
	{"Los Angeles CA", 34050000, -118250000, 11},
	{"New Orleans LA", 29950000, -90066700, 9},
	{"Port Authority of New York/New Jersey NY/NJ", 40634000, -73783400, 11},
	{"Philadelphia PA", 39950000, -75166700, 10},
	{"Mobile AL", 30694400, -88043100, 8},
	{"Charleston SC", 32783300, -79933300, 9},
	{"Savannah GA", 32016700, -81116700, 8},
};
const unsigned gen__ncenters = N_(gen__centers);

const struct gen__weighted gen__user_sources[] = {
	{"Search", 70}, {"Organic", 15}, {"Facebook", 6}, {"Email", 5}, {"Display", 4},
};
const unsigned gen__nuser_sources = N_(gen__user_sources);
const struct gen__weighted gen__event_sources[] = {
	{"Email", 45}, {"Adwords", 30}, {"Facebook", 10}, {"YouTube", 10}, {"Organic", 5},
};
const unsigned gen__nevent_sources = N_(gen__event_sources);
const struct gen__weighted gen__browsers[] = {
	{"Chrome", 50}, {"Firefox", 20}, {"Safari", 20}, {"IE", 5}, {"Other", 5},
};
const unsigned gen__nbrowsers = N_(gen__browsers);
/* order: the GEN__* enum */
const struct gen__weighted gen__statuses[] = {
	{"Complete", 25}, {"Shipped", 30}, {"Processing", 20}, {"Cancelled", 15}, {"Returned", 10},
};
const unsigned gen__nstatuses = N_(gen__statuses);
