package simulate

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// nameGroup is a set of given and family names that go together. All names
// are common first and last names combined at random: no real people.
type nameGroup struct {
	weight   int
	male     []string
	female   []string
	family   []string
	language string // BCP 47 code of a language some members prefer, if any
	langName string
}

var nameGroups = []nameGroup{
	{weight: 30,
		male:   split("James John Robert Michael William David Richard Thomas Daniel Matthew Andrew Joshua Ryan Brian Kevin Gary Dennis Walter Harold Eugene"),
		female: split("Mary Patricia Linda Barbara Elizabeth Jennifer Susan Karen Nancy Margaret Dorothy Sandra Ashley Emily Megan Renée Shirley Joan Evelyn Zoë"),
		family: split("Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Moore Jackson Martin Thompson Clark Lewis Walker Hall Allen Young Wright Baker Carter Mitchell Parker Collins Stewart Morris Reed Cook"),
	},
	{weight: 8,
		male:   split("Patrick Sean Brendan Liam Declan Conor Kieran Ciarán"),
		female: split("Siobhán Niamh Maeve Aoife Bridget Kathleen Róisín Eileen"),
		family: split("O'Brien O'Connor Murphy Kelly Sullivan Walsh McCarthy Byrne Ryan Doyle Gallagher Fitzgerald"),
	},
	{weight: 18, language: "es", langName: "Spanish",
		male:   split("José Luis Carlos Juan Miguel Jorge Alejandro Andrés Javier Raúl Héctor Sebastián Mateo Ramón"),
		female: split("María Guadalupe Ana Lucía Sofía Carmen Rosa Elena Isabel Verónica Mónica Valentina Inés Beatriz"),
		family: split("García Rodríguez Martínez Hernández López González Pérez Sánchez Ramírez Torres Flores Rivera Gómez Díaz Cruz Morales Reyes Núñez Peña Ortiz Castillo Jiménez Ibáñez"),
	},
	{weight: 10,
		male:   split("DeShawn Marcus Terrence Jamal Darius Andre Malik Tyrone Jerome Reginald"),
		female: split("Aaliyah Keisha Tamika Imani Latoya Monique Ebony Jasmine Danielle Shanice"),
		family: split("Washington Jefferson Banks Coleman Booker Freeman Simmons Robinson Harris Jenkins Bryant Gaines"),
	},
	{weight: 6,
		male:   split("Chukwuemeka Oluwaseun Kwame Tunde Emeka Kofi Babajide Yaw"),
		female: split("Adaeze Chiamaka Folasade Ngozi Abena Yetunde Amara Efua"),
		family: split("Okafor Adeyemi Okonkwo Mensah Nwosu Balogun Asante Eze Oyelaran Boateng"),
	},
	{weight: 6,
		male:   split("Wei Jian Hao Ming Jun Tao Bo Lei"),
		female: split("Mei Xin Xiu Ying Hui Lan Jing Yan"),
		family: split("Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Lin Xu"),
	},
	{weight: 5, language: "vi", langName: "Vietnamese",
		male:   split("Minh Huy Khoa Tuấn Long Phúc Đức Quang"),
		female: split("Linh Thảo Ngọc Hương Trang Mai Lan Phương"),
		family: split("Nguyễn Trần Lê Phạm Hoàng Vũ Đặng Bùi"),
	},
	{weight: 6,
		male:   split("Rahul Arjun Vikram Sanjay Amit Rohan Anil Deepak"),
		female: split("Priya Ananya Kavya Sunita Deepa Lakshmi Neha Shreya"),
		family: split("Patel Sharma Singh Gupta Reddy Iyer Nair Desai Mehta Rao Chatterjee Kapoor"),
	},
	{weight: 5,
		male:   split("Omar Ahmed Khalid Youssef Karim Tariq Samir Hassan"),
		female: split("Fatima Layla Noor Yasmin Amira Salma Rania Huda"),
		family: split("Haddad Khoury Mansour Nasser Saleh Farouk Aziz Hamdan Darwish Rahal"),
	},
	{weight: 6,
		male:   split("Jürgen Klaus Stefan Matthias Björn Søren Lars Henrik Günter Anders"),
		female: split("Ingrid Birgit Anke Greta Sigrid Astrid Jördis Käthe Maren Liesel"),
		family: split("Müller Schmidt Schröder Weiß Becker Hoffmann Jäger Lindqvist Andersson Kjær Sørensen Nyström"),
	},
	{weight: 6,
		male:   split("François Jérôme Étienne Benoît Luc Thibault Giuseppe Marco Luca Enzo"),
		female: split("Hélène Amélie Céline Sylvie Noémie Chloé Giulia Francesca Chiara Raffaella"),
		family: split("Dubois Lefèvre Girard Moreau Fontaine Bélanger Rossi Esposito Ricci Romano Bianchi Ferrara"),
	},
	{weight: 5,
		male:   split("Łukasz Piotr Tomasz Paweł Jan Ondřej Jiří Krzysztof"),
		female: split("Agnieszka Małgorzata Katarzyna Żaneta Zuzana Alžběta Jana Ewa"),
		family: split("Kowalski Nowak Wiśniewski Wójcik Dvořák Novák Procházka Kovačić Zieliński Černý"),
	},
}

var nameGroupTotal = func() int {
	t := 0
	for _, g := range nameGroups {
		t += g.weight
	}
	return t
}()

func split(s string) []string { return strings.Fields(s) }

// pick returns a random element of a non-empty list.
func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// pickIndex returns an index chosen with the given weights.
func pickIndex(r *rand.Rand, ws ...int) int {
	t := 0
	for _, w := range ws {
		t += w
	}
	n := r.IntN(t)
	for i, w := range ws {
		if n -= w; n < 0 {
			return i
		}
	}
	return 0
}

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// between returns a uniform float in [lo, hi).
func between(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// person is a generated name.
type person struct {
	given, middle, family string
	male                  bool
	group                 *nameGroup
}

// randomGroup picks a name group by weight.
func randomGroup(r *rand.Rand) *nameGroup {
	n := r.IntN(nameGroupTotal)
	for i := range nameGroups {
		if n < nameGroups[i].weight {
			return &nameGroups[i]
		}
		n -= nameGroups[i].weight
	}
	return &nameGroups[0]
}

// newPerson generates a name of the given sex, from group g (random if nil).
func newPerson(r *rand.Rand, male bool, g *nameGroup) person {
	if g == nil {
		g = randomGroup(r)
	}
	p := person{male: male, group: g, family: pick(r, g.family)}
	pool := g.female
	if male {
		pool = g.male
	}
	p.given = pick(r, pool)
	if chance(r, 0.35) {
		if m := pick(r, pool); m != p.given {
			p.middle = m
		}
	}
	// Some families combine names from two groups.
	if chance(r, 0.08) {
		p.family = pick(r, randomGroup(r).family)
	}
	return p
}

// full returns "Given Family".
func (p person) full() string { return p.given + " " + p.family }

// initialFamily returns "G. Family".
func (p person) initialFamily() string {
	first, _ := firstRune(p.given)
	return first + ". " + p.family
}

func firstRune(s string) (string, string) {
	for i := range s {
		if i > 0 {
			return s[:i], s[i:]
		}
	}
	return s, ""
}

var (
	streets = split("Maple Oak Cedar Elm Willow Birch Chestnut Walnut Spruce Hawthorn Juniper Sycamore Linden Aspen Magnolia Orchard Mill Pond Ridge Meadow Harbor Quarry Lantern Foundry Cobble Heron Kestrel Sparrow")
	suffix  = split("St Ave Rd Ln Dr Ct Way Pl Terrace Circle")
	towns   = []struct{ city, zip string }{
		{"Aldermoor", "01301"}, {"Brookhollow", "01302"}, {"East Wyncombe", "01305"},
		{"Farrow Falls", "01310"}, {"Glenmarsh", "01314"}, {"Hadley Crossing", "01318"},
		{"Kettleby", "01321"}, {"Lower Tamsett", "01327"}, {"Millbridge Center", "01330"},
		{"North Pellham", "01334"}, {"Quillan", "01339"}, {"Stonerow", "01341"},
	}
	areaCodes = []string{"413", "508", "774", "978"}
)

// phone returns a fictional US phone number (555-01xx is reserved for fiction).
func phone(r *rand.Rand) string {
	return "(" + pick(r, areaCodes) + ") 555-01" + pad(r.IntN(100), 2)
}

// pad formats n with at least width digits.
func pad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// npi returns a 10-digit NPI-like number for index i with a valid Luhn
// check digit (computed over the "80840" prefix, as for real NPIs).
func npi(i int, salt uint64) string {
	base := 100000000 + int((uint64(i)*7919+salt)%100000000)
	s := strconv.Itoa(base) // 9 digits, first is 1
	digits := "80840" + s
	sum := 0
	for j := len(digits) - 1; j >= 0; j-- {
		d := int(digits[j] - '0')
		if (len(digits)-1-j)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return s + strconv.Itoa((10-sum%10)%10)
}
