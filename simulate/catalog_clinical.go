package simulate

// comorbidity is a chronic problem, with the home medications it brings and
// how it shifts a patient's baseline vital signs and labs.
type comorbidity struct {
	key    string
	c      concept
	w      int // prevalence weight among adults
	minAge float64
	sex    byte // 'M' or 'F' when it affects one sex only
	child  bool // also seen in children
	meds   []string
	base   string // baseline shifts, e.g. "cr=2.1 sbp=+12"
	shifts map[string]shift
}

var comorbidities = []*comorbidity{
	{key: "htn", c: sct("38341003", "Hypertensive disorder, systemic arterial"), w: 30, minAge: 25, meds: []string{"amlodipine", "lisinopril"}, base: "sbp=+14 dbp=+6"},
	{key: "hld", c: sct("55822004", "Hyperlipidemia"), w: 22, minAge: 30, meds: []string{"atorvastatin"}},
	{key: "dm2", c: sct("44054006", "Diabetes mellitus type 2"), w: 18, minAge: 30, meds: []string{"glargine", "lispro"}, base: "glu=168"},
	{key: "dm1", c: sct("46635009", "Diabetes mellitus type 1"), w: 0, child: true, meds: []string{"glargine", "lispro"}, base: "glu=182"},
	{key: "cad", c: sct("53741008", "Coronary arteriosclerosis"), w: 10, minAge: 45, meds: []string{"aspirin", "atorvastatin", "metoprolol"}},
	{key: "afib", c: sct("49436004", "Atrial fibrillation"), w: 8, minAge: 50, meds: []string{"apixaban", "metoprolol"}, base: "hr=+8"},
	{key: "chf", c: sct("42343007", "Congestive heart failure"), w: 7, minAge: 50, meds: []string{"furosemide", "carvedilol", "spironolact"}, base: "bnp=420"},
	{key: "ckd", c: sct("709044004", "Chronic kidney disease"), w: 8, minAge: 40, base: "cr=2.1 bun=36 hgb=-1.6 k=+0.3 co2=-2"},
	{key: "copd", c: sct("13645005", "Chronic obstructive lung disease"), w: 8, minAge: 45, meds: []string{"tiotropium", "albuterol-prn"}, base: "spo2=-4 co2=+4"},
	{key: "hypothyroid", c: sct("40930008", "Hypothyroidism"), w: 7, minAge: 20, meds: []string{"levothyrox"}},
	{key: "gerd", c: sct("235595009", "Gastroesophageal reflux disease"), w: 10, minAge: 20, meds: []string{"pantoprazole"}},
	{key: "depression", c: sct("35489007", "Depressive disorder"), w: 9, minAge: 14, meds: []string{"sertraline"}},
	{key: "osa", c: sct("78275009", "Obstructive sleep apnea syndrome"), w: 5, minAge: 30},
	{key: "obesity", c: sct("414916001", "Obesity"), w: 10, minAge: 10, base: "wt=+28"},
	{key: "dementia", c: sct("52448006", "Dementia"), w: 4, minAge: 72, meds: []string{"donepezil"}},
	{key: "anemia", c: sct("271737000", "Anemia"), w: 5, minAge: 18, base: "hgb=-2.2"},
	{key: "cirrhosis", c: sct("19943007", "Cirrhosis of liver"), w: 2, minAge: 35, meds: []string{"lactulose", "rifaximin"}, base: "plt=82 inr=1.6 tbili=2.6 alb=2.7 na=-3"},
	{key: "gout", c: sct("90560007", "Gout"), w: 3, minAge: 40, sex: 'M', meds: []string{"allopurinol"}},
	{key: "oa", c: sct("396275006", "Osteoarthritis"), w: 8, minAge: 50},
	{key: "asthma", c: sct("195967001", "Asthma"), w: 4, child: true, meds: []string{"albuterol-prn"}},
	{key: "tobacco", c: icd("F17.210", "Nicotine dependence, cigarettes, uncomplicated"), w: 8, minAge: 18, meds: []string{"nicotine"}},
	{key: "aud", c: icd("F10.20", "Alcohol dependence, uncomplicated"), w: 3, minAge: 21, meds: []string{"thiamine", "folic"}, base: "plt=-60 ast=+30 mg=-0.3"},
	{key: "bph", c: sct("266569009", "Benign prostatic hyperplasia"), w: 5, minAge: 55, sex: 'M', meds: []string{"tamsulosin"}},
	{key: "adhd", c: sct("406506008", "Attention deficit hyperactivity disorder"), w: 0, child: true},
	{key: "eczema", c: sct("24079001", "Atopic dermatitis"), w: 0, child: true},
	{key: "sickle", c: sct("417357006", "Sickling disorder due to hemoglobin S"), w: 0, child: true, meds: []string{"folic"}, base: "hgb=8.4"},
}

var comorbidityByKey = func() map[string]*comorbidity {
	m := make(map[string]*comorbidity, len(comorbidities))
	for _, c := range comorbidities {
		m[c.key] = c
	}
	return m
}()

// allergyDef is an allergy or intolerance with its typical reactions.
type allergyDef struct {
	c         concept
	text      string  // as shown, when not the display
	category  string  // medication, food, environment, biologic
	intol     bool    // an intolerance rather than an allergy
	child     float64 // weight among children (0: adults only)
	reactions []reaction
}

// reaction is a manifestation and the severity it usually has.
type reaction struct {
	c        concept
	severity string
}

var (
	rxHives   = reaction{sct("126485001", "Urticaria"), "moderate"}
	rxAnaphyl = reaction{sct("39579001", "Anaphylaxis"), "severe"}
	rxRash    = reaction{sct("271807003", "Eruption of skin"), "mild"}
	rxAngio   = reaction{sct("41291007", "Angioedema"), "severe"}
	rxNausea  = reaction{sct("422587007", "Nausea"), "mild"}
	rxVomit   = reaction{sct("422400008", "Vomiting"), "moderate"}
	rxItch    = reaction{sct("418290006", "Itching"), "mild"}
	rxWheeze  = reaction{sct("56018004", "Wheezing"), "moderate"}
	rxDerm    = reaction{sct("40275004", "Contact dermatitis"), "mild"}
	rxCough   = reaction{sct("49727002", "Cough"), "mild"}
	rxFlush   = reaction{concept{display: "Flushing and pruritus during infusion"}, "moderate"}
)

// reactionText is how a reaction is shown.
var reactionText = map[string]string{
	"126485001": "Hives", "39579001": "Anaphylaxis", "271807003": "Rash", "41291007": "Angioedema",
	"422587007": "Nausea", "422400008": "Vomiting", "418290006": "Itching", "56018004": "Wheezing",
	"40275004": "Contact dermatitis", "49727002": "Cough",
}

var allergyDefs = []allergyDef{
	{c: sct("764146007", "Penicillin"), category: "medication", child: 1, reactions: []reaction{rxHives, rxRash, rxAnaphyl, rxItch}},
	{c: sct("387406002", "Sulfonamide"), category: "medication", reactions: []reaction{rxRash, rxHives}},
	{c: sct("111088007", "Latex"), category: "environment", reactions: []reaction{rxDerm, rxHives, rxAnaphyl}},
	{c: sct("762952008", "Peanut"), category: "food", child: 3, reactions: []reaction{rxAnaphyl, rxHives, rxAngio}},
	{c: sct("385420005", "Contrast media"), text: "Iodinated contrast media", category: "medication", reactions: []reaction{rxHives, rxItch, rxAnaphyl}},
	{c: sct("373529000", "Morphine"), category: "medication", intol: true, reactions: []reaction{rxItch, rxNausea, rxVomit}},
	{c: sct("387494007", "Codeine"), category: "medication", intol: true, child: 0.5, reactions: []reaction{rxNausea, rxVomit}},
	{c: sct("387458008", "Aspirin"), category: "medication", reactions: []reaction{rxWheeze, rxAngio, rxHives}},
	{c: sct("387207008", "Ibuprofen"), category: "medication", reactions: []reaction{rxHives, rxAngio}},
	{c: sct("735029006", "Shellfish"), category: "food", reactions: []reaction{rxHives, rxAnaphyl, rxAngio}},
	{c: sct("102263004", "Eggs"), category: "food", child: 2, reactions: []reaction{rxHives, rxVomit}},
	{c: sct("372735009", "Vancomycin"), category: "medication", intol: true, reactions: []reaction{rxFlush}},
	{c: sct("386873009", "Lisinopril"), category: "medication", reactions: []reaction{rxAngio, rxCough}},
	{c: sct("288328004", "Bee venom"), category: "environment", child: 1, reactions: []reaction{rxAnaphyl, rxHives}},
}

// Code status values with their SNOMED CT codes where one fits.
var codeStatuses = []struct {
	text string
	c    concept
}{
	{"Full code", sct("304252001", "For cardiopulmonary resuscitation")},
	{"DNR", sct("304253006", "Not for cardiopulmonary resuscitation")},
	{"DNR/DNI", concept{}},
	{"Comfort care", concept{}},
}
