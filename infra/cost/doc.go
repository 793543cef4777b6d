// Package cost estimates what an environment of the chatstream stack costs per hour and per month, from its settings and one table of list prices.
package cost
